package org.forgerock.oauth2.core.exceptions;

/** Test stand-in for AM's InvalidScopeException: AM answers the client with invalid_scope and this message. */
public class InvalidScopeException extends Exception {
    public InvalidScopeException(String message) {
        super(message);
    }
}
