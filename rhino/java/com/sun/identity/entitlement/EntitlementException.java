package com.sun.identity.entitlement;

/** Test stand-in for AM's EntitlementException: what the next-generation policy binding throws when an evaluation fails. */
public class EntitlementException extends Exception {
    public EntitlementException(String message) {
        super(message);
    }
}
