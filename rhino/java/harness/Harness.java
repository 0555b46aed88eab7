package harness;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.forgerock.oauth2.core.exceptions.InvalidScopeException;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.EcmaError;
import org.mozilla.javascript.EvaluatorException;
import org.mozilla.javascript.Function;
import org.mozilla.javascript.JavaScriptException;
import org.mozilla.javascript.NativeJavaObject;
import org.mozilla.javascript.RhinoException;
import org.mozilla.javascript.Scriptable;
import org.mozilla.javascript.ScriptableObject;
import org.mozilla.javascript.Wrapper;
import org.mozilla.javascript.WrappedException;
import org.mozilla.javascript.json.JsonParser;

/**
 * Runs AM legacy scripts the way AM does: Rhino at language version 0, interpreted, bindings as
 * globals of a fresh top-level scope per case, entry points looked up by name and called with no
 * arguments. Reads a JSON array of cases from the file named by args[0]; prints a JSON array of outcomes.
 */
public final class Harness {
    private Harness() {}

    public static void main(String[] args) throws Exception {
        String input = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        Context cx = Context.enter();
        try {
            cx.setLanguageVersion(Context.VERSION_DEFAULT);
            cx.setOptimizationLevel(-1);
            Scriptable parseScope = cx.initStandardObjects();
            List<?> cases = (List<?>) new JsonParser(cx, parseScope).parseValue(input);
            List<Object> outcomes = new ArrayList<>();
            for (Object item : cases) outcomes.add(runCase(cx, (Map<?, ?>) item));
            System.out.println(Json.write(outcomes));
        } finally {
            Context.exit();
        }
    }

    private static String str(Object value) {
        return value == null ? null : String.valueOf(value);
    }

    private static Set<String> stringSet(Object value) {
        Set<String> set = new HashSet<>();
        if (value instanceof List) for (Object item : (List<?>) value) set.add(String.valueOf(item));
        return set;
    }

    private static Map<String, Object> runCase(Context cx, Map<?, ?> testCase) {
        Map<?, ?> input = (Map<?, ?>) testCase.get("input");
        String source = str(testCase.get("source"));
        String entryPoint = str(testCase.get("entryPoint"));
        Map<String, Object> outcome = new LinkedHashMap<>();

        Stubs.Logger logger = new Stubs.Logger();
        Map<String, String> env = new HashMap<>();
        Object envValue = input.get("env");
        if (envValue instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) envValue).entrySet()) env.put(String.valueOf(e.getKey()), str(e.getValue()));
        List<Stubs.Answer> answers = new ArrayList<>();
        boolean live = false;
        Object http = input.get("http");
        if (http instanceof List) {
            for (Object a : (List<?>) http) {
                Map<?, ?> answer = (Map<?, ?>) a;
                Object status = answer.get("status");
                answers.add(new Stubs.Answer(status instanceof Number ? ((Number) status).intValue() : 0, str(answer.get("body")), str(answer.get("throw"))));
            }
        } else if (http instanceof Map) {
            live = Boolean.TRUE.equals(((Map<?, ?>) http).get("live"));
        }
        Stubs.HttpClientStub httpClient = new Stubs.HttpClientStub(answers, live);
        Stubs.AccessToken accessToken = null;

        ScriptableObject scope = cx.initStandardObjects();
        put(scope, "logger", logger);
        put(scope, "systemEnv", new Stubs.SystemEnv(env));
        put(scope, "httpClient", httpClient);
        put(scope, "realm", str(input.get("realm")));
        put(scope, "scriptName", input.get("scriptName") == null ? "script" : str(input.get("scriptName")));
        if (input.get("requestedScopes") != null || "OAUTH2_VALIDATE_SCOPE".equals(str(testCase.get("context")))) {
            put(scope, "requestedScopes", stringSet(input.get("requestedScopes")));
            put(scope, "allowedScopes", stringSet(input.get("allowedScopes")));
            put(scope, "defaultScopes", stringSet(input.get("defaultScopes")));
        }
        Object token = input.get("accessToken");
        if (token instanceof Map) {
            Map<?, ?> t = (Map<?, ?>) token;
            accessToken = new Stubs.AccessToken(stringSet(t.get("scope")), str(t.get("clientId")), str(t.get("resourceOwnerId")), str(t.get("grantType")));
            Object fields = t.get("fields");
            if (fields instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) fields).entrySet()) accessToken.fields.put(String.valueOf(e.getKey()), e.getValue());
            put(scope, "accessToken", accessToken);
            put(scope, "scopes", new HashSet<>(accessToken.scope));
        }
        Object identity = input.get("identity");
        if (identity instanceof Map) {
            Map<String, Set<String>> attributes = new HashMap<>();
            Object attrs = ((Map<?, ?>) identity).get("attributes");
            if (attrs instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) attrs).entrySet()) attributes.put(String.valueOf(e.getKey()), stringSet(e.getValue()));
            put(scope, "identity", new Stubs.Identity(attributes));
        } else if (token != null) {
            put(scope, "identity", null);
        }
        Object clientProperties = input.get("clientProperties");
        if (clientProperties instanceof Map) put(scope, "clientProperties", javaMap((Map<?, ?>) clientProperties));
        Object requestProperties = input.get("requestProperties");
        if (requestProperties instanceof Map) put(scope, "requestProperties", javaMap((Map<?, ?>) requestProperties));

        boolean ok = true;
        try {
            cx.evaluateString(scope, source, str(testCase.get("name")) == null ? "script" : str(testCase.get("name")), 1, null);
            if (entryPoint != null) {
                Object fn = ScriptableObject.getProperty(scope, entryPoint);
                if (!(fn instanceof Function)) throw new IllegalStateException("TypeError: " + entryPoint + " is not a function");
                Object result = ((Function) fn).call(cx, scope, scope, new Object[0]);
                Object unwrapped = result instanceof Wrapper ? ((Wrapper) result).unwrap() : result;
                if (!(unwrapped instanceof Set)) throw new IllegalStateException(entryPoint + " must return a java.util.Set, returned " + (unwrapped == null ? "null" : unwrapped.getClass().getName()));
                List<String> returned = new ArrayList<>();
                for (Object item : (Set<?>) unwrapped) returned.add(String.valueOf(item));
                returned.sort(null);
                outcome.put("returnedScopes", returned);
            }
        } catch (Throwable error) {
            InvalidScopeException invalid = invalidScope(error);
            if (invalid != null) {
                outcome.put("invalidScope", invalid.getMessage());
            } else {
                ok = false;
                outcome.put("error", describe(error));
            }
        }
        outcome.put("ok", ok);
        if (accessToken != null) {
            Map<String, Object> after = new LinkedHashMap<>();
            List<String> scopeList = new ArrayList<>(accessToken.scope);
            scopeList.sort(null);
            after.put("scope", scopeList);
            Map<String, Object> fields = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : accessToken.fields.entrySet()) fields.put(e.getKey(), plain(e.getValue()));
            after.put("fields", fields);
            outcome.put("accessToken", after);
        }
        List<Object> logs = new ArrayList<>();
        for (Stubs.LogLine line : logger.lines) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("level", line.level);
            entry.put("text", line.text);
            logs.add(entry);
        }
        outcome.put("logs", logs);
        List<Object> calls = new ArrayList<>();
        for (Stubs.Call call : httpClient.calls) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("method", call.method);
            entry.put("uri", call.uri);
            entry.put("headers", new LinkedHashMap<String, Object>(call.headers));
            entry.put("body", call.body);
            calls.add(entry);
        }
        outcome.put("httpCalls", calls);
        return outcome;
    }

    private static Map<String, Object> javaMap(Map<?, ?> source) {
        Map<String, Object> map = new HashMap<>();
        for (Map.Entry<?, ?> e : source.entrySet()) {
            Object value = e.getValue();
            map.put(String.valueOf(e.getKey()), value instanceof List ? new ArrayList<Object>((List<?>) value) : value instanceof Map ? javaMap((Map<?, ?>) value) : value);
        }
        return map;
    }

    private static Object plain(Object value) {
        if (value instanceof Wrapper) value = ((Wrapper) value).unwrap();
        if (value instanceof Boolean || value instanceof Number || value == null) return value;
        return String.valueOf(value);
    }

    private static InvalidScopeException invalidScope(Throwable error) {
        if (error instanceof JavaScriptException) {
            Object value = ((JavaScriptException) error).getValue();
            if (value instanceof NativeJavaObject) value = ((NativeJavaObject) value).unwrap();
            if (value instanceof InvalidScopeException) return (InvalidScopeException) value;
        }
        if (error instanceof WrappedException && ((WrappedException) error).getWrappedException() instanceof InvalidScopeException) {
            return (InvalidScopeException) ((WrappedException) error).getWrappedException();
        }
        return null;
    }

    private static String describe(Throwable error) {
        if (error instanceof EvaluatorException || error instanceof EcmaError) return ((RhinoException) error).details() + " (line " + ((RhinoException) error).lineNumber() + ")";
        if (error instanceof JavaScriptException) return "thrown: " + ((JavaScriptException) error).details();
        if (error instanceof WrappedException) return ((WrappedException) error).getWrappedException().toString();
        return String.valueOf(error.getMessage());
    }

    private static void put(ScriptableObject scope, String name, Object value) {
        ScriptableObject.putProperty(scope, name, value == null ? null : Context.javaToJS(value, scope));
    }
}
