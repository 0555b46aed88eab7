package org.forgerock.http.protocol;

/** Test stand-in for AM's CHF Response. */
public class Response {
    private final Status status;
    private final Entity entity = new Entity();
    private final Headers headers = new Headers();

    public Response(int code, String body) {
        this.status = new Status(code);
        entity.setString(body);
    }

    public Status getStatus() {
        return status;
    }

    public Entity getEntity() {
        return entity;
    }

    public Headers getHeaders() {
        return headers;
    }
}
