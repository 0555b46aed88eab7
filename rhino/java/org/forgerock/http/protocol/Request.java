package org.forgerock.http.protocol;

import java.net.URI;
import java.net.URISyntaxException;

/** Test stand-in for AM's CHF Request: method, URI, headers, entity. */
public class Request {
    private String method = "GET";
    private URI uri;
    private final Headers headers = new Headers();
    private final Entity entity = new Entity();

    public Request setMethod(String method) {
        this.method = method;
        return this;
    }

    public String getMethod() {
        return method;
    }

    public Request setUri(String uri) throws URISyntaxException {
        this.uri = new URI(uri);
        return this;
    }

    public URI getUri() {
        return uri;
    }

    public Headers getHeaders() {
        return headers;
    }

    public Entity getEntity() {
        return entity;
    }
}
