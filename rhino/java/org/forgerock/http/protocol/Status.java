package org.forgerock.http.protocol;

/** Test stand-in for AM's CHF Status. */
public class Status {
    private final int code;

    public Status(int code) {
        this.code = code;
    }

    public int getCode() {
        return code;
    }

    public boolean isSuccessful() {
        return code >= 200 && code < 300;
    }
}
