package org.forgerock.http.protocol;

/** Test stand-in for AM's CHF Entity: a string body. */
public class Entity {
    private String text = "";

    public void setString(String value) {
        text = value == null ? "" : value;
    }

    public String getString() {
        return text;
    }

    public Object getJson() throws Exception {
        throw new UnsupportedOperationException("getJson is not used by these scripts");
    }
}
