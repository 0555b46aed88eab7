package harness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.forgerock.http.protocol.Request;
import org.forgerock.http.protocol.Response;

/** Recording stand-ins for AM's legacy script bindings, one set per executed case. */
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

    public static final class Logger {
        final List<LogLine> lines = new ArrayList<>();

        public void message(Object text) { lines.add(new LogLine("message", String.valueOf(text))); }
        public void warning(Object text) { lines.add(new LogLine("warning", String.valueOf(text))); }
        public void error(Object text) { lines.add(new LogLine("error", String.valueOf(text))); }
        public boolean messageEnabled() { return true; }
        public boolean warningEnabled() { return true; }
        public boolean errorEnabled() { return true; }
    }

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

    public static final class Identity {
        private final Map<String, Set<String>> attributes;

        Identity(Map<String, Set<String>> attributes) { this.attributes = attributes; }

        public Set<String> getAttribute(String name) { return attributes.getOrDefault(name, new HashSet<>()); }
        public Map<String, Set<String>> getAttributes() { return attributes; }
    }

    static final class Call {
        final String method;
        final String uri;
        final Map<String, String> headers;
        final String body;

        Call(Request request) {
            method = request.getMethod();
            uri = String.valueOf(request.getUri());
            headers = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : request.getHeaders().asMapOfHeaders().entrySet()) {
                headers.put(e.getKey(), String.join(",", e.getValue()));
            }
            body = request.getEntity().getString();
        }
    }

    /** A scripted answer: a status and body, or an exception to throw (a connection failure). */
    static final class Answer {
        final int status;
        final String body;
        final String throwMessage;

        Answer(int status, String body, String throwMessage) {
            this.status = status;
            this.body = body;
            this.throwMessage = throwMessage;
        }
    }

    public static final class Promise {
        private final Response response;

        Promise(Response response) { this.response = response; }

        public Response get() { return response; }
        public Response getOrThrow() { return response; }
    }

    public static final class HttpClientStub {
        final List<Call> calls = new ArrayList<>();
        private final List<Answer> answers;
        private final boolean live;
        private static final HttpClient LIVE = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        HttpClientStub(List<Answer> answers, boolean live) {
            this.answers = answers;
            this.live = live;
        }

        public Promise send(Request request) throws IOException, InterruptedException {
            calls.add(new Call(request));
            if (live) return new Promise(sendLive(request));
            if (answers.isEmpty()) throw new IOException("Connection refused (no scripted answer)");
            Answer answer = answers.remove(0);
            if (answer.throwMessage != null) throw new IOException(answer.throwMessage);
            return new Promise(new Response(answer.status, answer.body));
        }

        private static Response sendLive(Request request) throws IOException, InterruptedException {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(String.valueOf(request.getUri()))).timeout(Duration.ofSeconds(10));
            for (Map.Entry<String, List<String>> e : request.getHeaders().asMapOfHeaders().entrySet()) {
                for (String value : e.getValue()) builder.header(e.getKey(), value);
            }
            builder.method(request.getMethod(), HttpRequest.BodyPublishers.ofString(request.getEntity().getString()));
            HttpResponse<String> response = LIVE.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        }
    }

    static Map<String, Object> newMap() { return new HashMap<>(); }
}
