package harness;

import com.sun.identity.entitlement.EntitlementException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.forgerock.oauth2.core.exceptions.InvalidScopeException;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.NativeJSON;
import org.mozilla.javascript.Scriptable;
import org.mozilla.javascript.ScriptableObject;
import org.mozilla.javascript.Undefined;
import org.mozilla.javascript.Wrapper;
import org.mozilla.javascript.json.JsonParser;

/**
 * Recording stand-ins for AM's next-generation (evaluatorVersion 2.0) bindings: Lists instead of
 * Sets, scopeValidatorHelper, the fetch-like httpClient and the `policy` binding. AM-FACTS §7.
 */
final class NextGen {
    private NextGen() {}

    /** Next-generation logger: debug/info/warn/error/trace. Recorded with the legacy level names (warn = warning, debug/info/trace = message). */
    public static final class Logger {
        private final List<Stubs.LogLine> lines;

        Logger(List<Stubs.LogLine> lines) { this.lines = lines; }

        public void trace(Object text) { lines.add(new Stubs.LogLine("message", String.valueOf(text))); }
        public void debug(Object text) { lines.add(new Stubs.LogLine("message", String.valueOf(text))); }
        public void info(Object text) { lines.add(new Stubs.LogLine("message", String.valueOf(text))); }
        public void warn(Object text) { lines.add(new Stubs.LogLine("warning", String.valueOf(text))); }
        public void error(Object text) { lines.add(new Stubs.LogLine("error", String.valueOf(text))); }
        public boolean isDebugEnabled() { return true; }
        public boolean isInfoEnabled() { return true; }
        public boolean isWarnEnabled() { return true; }
        public boolean isErrorEnabled() { return true; }
    }

    static List<String> strings(Collection<?> values) {
        List<String> out = new ArrayList<>();
        for (Object value : values) out.add(String.valueOf(value instanceof Wrapper ? ((Wrapper) value).unwrap() : value));
        return out;
    }

    public static final class AccessToken {
        List<String> scope;
        final Map<String, Object> fields = new LinkedHashMap<>();
        private final String clientId;
        private final String resourceOwnerId;
        private final String grantType;

        AccessToken(List<String> scope, String clientId, String resourceOwnerId, String grantType) {
            this.scope = scope;
            this.clientId = clientId;
            this.resourceOwnerId = resourceOwnerId;
            this.grantType = grantType;
        }

        public List<String> getScope() { return new ArrayList<>(scope); }
        /** A java.util.List (a JS array is one in Rhino); a Set fails to convert, as in AM. */
        public void setScope(List<?> scopes) { scope = strings(scopes); }
        public String getClientId() { return clientId; }
        public String getResourceOwnerId() { return resourceOwnerId; }
        public String getGrantType() { return grantType; }
        public void setField(String name, Object value) { fields.put(name, value); }
        public Object getField(String name) { return fields.get(name); }
        public void addExtraData(String key, String value) { fields.put(key, value); }
    }

    /** The resource owner: attribute values are Lists in next-generation scripts. */
    public static final class Identity {
        private final Map<String, List<String>> attributes;

        Identity(Map<String, List<String>> attributes) { this.attributes = attributes; }

        public List<String> getAttributeValues(String name) { return new ArrayList<>(attributes.getOrDefault(name, List.of())); }
    }

    public static final class ScopeValidatorHelper {
        boolean inheritOnRefresh;

        /** The documented next-generation way to refuse: the client gets invalid_scope with this message. */
        public void throwInvalidScope(String message) throws InvalidScopeException {
            throw new InvalidScopeException(message);
        }

        public void inheritAccessTokenScopesOnRefresh() { inheritOnRefresh = true; }
    }

    /** JSON text of what a script passed in (JS values through NativeJSON, Java values through Json). */
    static String json(Context cx, Scriptable scope, Object value) {
        if (value instanceof Wrapper) value = ((Wrapper) value).unwrap();
        if (value == null || value == Undefined.instance) return "null";
        if (value instanceof Scriptable) return String.valueOf(NativeJSON.stringify(cx, scope, value, null, null));
        return Json.write(value);
    }

    static Object parse(Scriptable scope, String json) throws IOException {
        try {
            return new JsonParser(Context.getCurrentContext(), scope).parseValue(json);
        } catch (JsonParser.ParseException error) {
            throw new IOException("unreadable JSON: " + error.getMessage());
        }
    }

    /**
     * policy.evaluate(subject, application, resourceNames, environment): the same request the REST
     * evaluate gets, answered by scripted decisions or by an evaluator in Node; returns the decisions
     * as JS values (an array of {resource, actions, attributes, advices, ttl}).
     */
    public static final class Policy {
        private final List<Object> scripted;
        private final Server.Callbacks callbacks;
        private final Scriptable scope;
        final List<String> calls = new ArrayList<>();

        Policy(List<?> scripted, Server.Callbacks callbacks, Scriptable scope) {
            this.scripted = scripted == null ? null : new ArrayList<>(scripted);
            this.callbacks = callbacks;
            this.scope = scope;
        }

        public Object evaluate(Object subject, Object application, Object resourceNames, Object environment) throws EntitlementException, IOException {
            Context cx = Context.getCurrentContext();
            String request = "{\"subject\":" + json(cx, scope, subject) + ",\"application\":" + json(cx, scope, application) + ",\"resources\":" + json(cx, scope, resourceNames) + ",\"environment\":" + json(cx, scope, environment) + "}";
            calls.add(request);
            String answer;
            if (scripted == null) {
                try {
                    answer = callbacks.call("policy", request);
                } catch (IOException error) {
                    throw new EntitlementException(error.getMessage());
                }
            } else {
                if (scripted.isEmpty()) throw new EntitlementException("no scripted policy decision");
                Object next = scripted.remove(0);
                if (next instanceof Map && ((Map<?, ?>) next).get("throw") != null) throw new EntitlementException(String.valueOf(((Map<?, ?>) next).get("throw")));
                answer = Json.write(next);
            }
            return parse(scope, answer);
        }
    }

    public static final class Response {
        private final Stubs.Answer answer;
        private final Scriptable scope;

        Response(Stubs.Answer answer, Scriptable scope) {
            this.answer = answer;
            this.scope = scope;
        }

        public int getStatus() { return answer.status; }
        public boolean isOk() { return answer.status >= 200 && answer.status < 300; }
        public String text() { return answer.body; }
        public Object json() throws IOException { return parse(scope, answer.body); }
    }

    public static final class Promise {
        private final Response response;

        Promise(Response response) { this.response = response; }

        public Response get() { return response; }
    }

    /** Next-generation httpClient: send(uri[, {method, headers, body}]).get() → {status, ok, text(), json()}. */
    public static final class HttpClient {
        private final Stubs.Transport transport;
        private final List<Stubs.Call> calls;
        private final Scriptable scope;

        HttpClient(Stubs.Transport transport, List<Stubs.Call> calls, Scriptable scope) {
            this.transport = transport;
            this.calls = calls;
            this.scope = scope;
        }

        public Promise send(String uri) throws IOException, InterruptedException {
            return send(uri, null);
        }

        public Promise send(String uri, Object options) throws IOException, InterruptedException {
            java.net.URI.create(uri); // a malformed URI fails as in AM
            String method = "GET";
            String body = "";
            Map<String, List<String>> headers = new LinkedHashMap<>();
            if (options instanceof Scriptable) {
                Scriptable o = (Scriptable) options;
                Object m = ScriptableObject.getProperty(o, "method");
                if (m != Scriptable.NOT_FOUND && m != null && m != Undefined.instance) method = String.valueOf(m);
                Object b = ScriptableObject.getProperty(o, "body");
                if (b != Scriptable.NOT_FOUND && b != null && b != Undefined.instance) body = String.valueOf(b);
                Object h = ScriptableObject.getProperty(o, "headers");
                if (h instanceof Scriptable) {
                    Scriptable hs = (Scriptable) h;
                    for (Object id : hs.getIds()) {
                        String name = String.valueOf(id);
                        Object value = ScriptableObject.getProperty(hs, name);
                        List<String> values = new ArrayList<>();
                        if (value instanceof List) values.addAll(strings((List<?>) value));
                        else values.add(String.valueOf(value));
                        headers.put(name, values);
                    }
                }
            }
            Stubs.Call call = new Stubs.Call(method, uri, headers, body);
            calls.add(call);
            return new Promise(new Response(transport.send(call), scope));
        }
    }
}
