package harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.forgerock.http.protocol.Request;
import org.forgerock.http.protocol.Response;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.Scriptable;
import org.mozilla.javascript.json.JsonParser;

/** Recording stand-ins for AM's legacy script bindings, and the HTTP transports both engines' clients share. */
final class Stubs {
    private Stubs() {}

    static final class LogLine {
        final String level;
        final String text;

        LogLine(String level, String text) {
            this.level = level;
            this.text = text;
        }
    }

    /** Legacy logger: message, warning, error (no info/debug in legacy). */
    public static final class Logger {
        private final List<LogLine> lines;

        Logger(List<LogLine> lines) { this.lines = lines; }

        public void message(Object text) { lines.add(new LogLine("message", String.valueOf(text))); }
        public void warning(Object text) { lines.add(new LogLine("warning", String.valueOf(text))); }
        public void error(Object text) { lines.add(new LogLine("error", String.valueOf(text))); }
        public boolean messageEnabled() { return true; }
        public boolean warningEnabled() { return true; }
        public boolean errorEnabled() { return true; }
    }

    /** systemEnv in both engines: ESVs by dotted key; null (or the default) when missing. */
    public static final class SystemEnv {
        private final Map<String, String> values;

        SystemEnv(Map<String, String> values) { this.values = values; }

        public String getProperty(String name) { return values.get(name); }
        public String getProperty(String name, String defaultValue) { return values.getOrDefault(name, defaultValue); }
    }

    public static final class AccessToken {
        Set<String> scope;
        final Map<String, Object> fields = new LinkedHashMap<>();
        private final String clientId;
        private final String resourceOwnerId;
        private final String grantType;

        AccessToken(Set<String> scope, String clientId, String resourceOwnerId, String grantType) {
            this.scope = scope;
            this.clientId = clientId;
            this.resourceOwnerId = resourceOwnerId;
            this.grantType = grantType;
        }

        public Set<String> getScope() { return scope; }
        /** Only a java.util.Set is accepted, as in AM: a JS array fails to convert. */
        public void setScope(Set<String> scopes) { scope = new HashSet<>(scopes); }
        public String getClientId() { return clientId; }
        public String getResourceOwnerId() { return resourceOwnerId; }
        public String getGrantType() { return grantType; }
        public void setField(String name, Object value) { fields.put(name, value); }
        public Object getField(String name) { return fields.get(name); }
        public void addExtraData(String key, String value) { fields.put(key, value); }
    }

    /** AMIdentity as legacy scripts see it: attribute values are Sets. */
    public static final class Identity {
        private final Map<String, Set<String>> attributes;

        Identity(Map<String, Set<String>> attributes) { this.attributes = attributes; }

        public Set<String> getAttribute(String name) { return attributes.getOrDefault(name, new HashSet<>()); }
        public Map<String, Set<String>> getAttributes() { return attributes; }
    }

    /** One outbound request as recorded (header values joined with ",") and as sent (one entry per value). */
    static final class Call {
        final String method;
        final String uri;
        final Map<String, List<String>> headers;
        final String body;

        Call(String method, String uri, Map<String, List<String>> headers, String body) {
            this.method = method;
            this.uri = uri;
            this.headers = headers;
            this.body = body == null ? "" : body;
        }

        static Call of(Request request) {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : request.getHeaders().asMapOfHeaders().entrySet()) headers.put(e.getKey(), new ArrayList<>(e.getValue()));
            return new Call(request.getMethod(), String.valueOf(request.getUri()), headers, request.getEntity().getString());
        }

        Map<String, Object> recorded() {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("method", method);
            entry.put("uri", uri);
            Map<String, Object> joined = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : headers.entrySet()) joined.put(e.getKey(), String.join(",", e.getValue()));
            entry.put("headers", joined);
            entry.put("body", body);
            return entry;
        }
    }

    /** An answer: a status and body. */
    static final class Answer {
        final int status;
        final String body;

        Answer(int status, String body) {
            this.status = status;
            this.body = body == null ? "" : body;
        }
    }

    /** Where a script's HTTP request goes: scripted answers, real HTTP, or a handler in Node. */
    interface Transport {
        Answer send(Call call) throws IOException, InterruptedException;
    }

    /** Answers in order; an entry with "throw" is a connection failure with that message. */
    static Transport scripted(List<?> answers) {
        List<Object> queue = new ArrayList<>(answers);
        return call -> {
            if (queue.isEmpty()) throw new IOException("Connection refused (no scripted answer)");
            Map<?, ?> answer = (Map<?, ?>) queue.remove(0);
            if (answer.get("throw") != null) throw new IOException(String.valueOf(answer.get("throw")));
            Object status = answer.get("status");
            return new Answer(status instanceof Number ? ((Number) status).intValue() : 0, answer.get("body") == null ? "" : String.valueOf(answer.get("body")));
        };
    }

    /**
     * Real HTTP to the URI the script built (the local tenant's loopback front door), blocking like
     * AM's send().get(). HttpURLConnection keeps connections alive per host and costs far less CPU
     * per request than java.net.http, which matters on two cores shared with the tenant.
     */
    static Transport live() {
        return call -> {
            HttpURLConnection connection = (HttpURLConnection) URI.create(call.uri).toURL().openConnection();
            connection.setConnectTimeout(5000);
            connection.setReadTimeout(10000);
            connection.setInstanceFollowRedirects(false);
            connection.setRequestMethod(call.method);
            for (Map.Entry<String, List<String>> e : call.headers.entrySet()) for (String value : e.getValue()) connection.addRequestProperty(e.getKey(), value);
            byte[] body = call.body.getBytes(StandardCharsets.UTF_8);
            if (body.length > 0 || "POST".equals(call.method) || "PUT".equals(call.method)) {
                connection.setDoOutput(true);
                connection.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = connection.getResponseCode();
            InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            String text = "";
            if (in != null) {
                // Read to the end and close: the connection goes back to the keep-alive cache.
                try (InputStream stream = in) {
                    text = new String(stream.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            return new Answer(status, text);
        };
    }

    /** A handler function living in Node, reached through the server's callback frames. */
    static Transport callback(Server.Callbacks callbacks, Scriptable scope) {
        return call -> {
            String json = callbacks.call("http", Json.write(call.recorded()));
            Object parsed;
            try {
                parsed = new JsonParser(Context.getCurrentContext(), scope).parseValue(json);
            } catch (JsonParser.ParseException error) {
                throw new IOException("unreadable HTTP handler answer");
            }
            Map<?, ?> answer = (Map<?, ?>) parsed;
            Object status = answer.get("status");
            return new Answer(status instanceof Number ? ((Number) status).intValue() : 0, answer.get("body") == null ? "" : String.valueOf(answer.get("body")));
        };
    }

    public static final class Promise {
        private final Response response;

        Promise(Response response) { this.response = response; }

        public Response get() { return response; }
        public Response getOrThrow() { return response; }
    }

    /** Legacy httpClient: send(org.forgerock.http.protocol.Request).get(). */
    public static final class HttpClientStub {
        private final Transport transport;
        private final List<Call> calls;

        HttpClientStub(Transport transport, List<Call> calls) {
            this.transport = transport;
            this.calls = calls;
        }

        public Promise send(Request request) throws IOException, InterruptedException {
            Call call = Call.of(request);
            calls.add(call);
            Answer answer = transport.send(call);
            return new Promise(new Response(answer.status, answer.body));
        }
    }
}
