package harness;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.forgerock.oauth2.core.exceptions.InvalidScopeException;
import org.mozilla.javascript.ClassCache;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.ContextFactory;
import org.mozilla.javascript.EcmaError;
import org.mozilla.javascript.EvaluatorException;
import org.mozilla.javascript.Function;
import org.mozilla.javascript.JavaScriptException;
import org.mozilla.javascript.NativeJavaObject;
import org.mozilla.javascript.NativeObject;
import org.mozilla.javascript.RhinoException;
import org.mozilla.javascript.Script;
import org.mozilla.javascript.Scriptable;
import org.mozilla.javascript.ScriptableObject;
import org.mozilla.javascript.Wrapper;
import org.mozilla.javascript.WrappedException;

/**
 * One script execution the way AM runs it: Rhino at language version 0, interpreted, the context's
 * bindings as globals of a fresh top-level scope, the script evaluated, then (validate scope) the
 * entry point looked up by name and called with no arguments. Contexts: OAUTH2_VALIDATE_SCOPE,
 * OAUTH2_ACCESS_TOKEN_MODIFICATION, POLICY_CONDITION (legacy) and the two OAuth2 *_NEXT_GEN ones.
 */
final class Engine {
    private Engine() {}

    private static final String NEXT_GEN = "harness.nextGen";

    /** Next-generation scripts read Java Maps as objects (environment.IP, ipList[0]); legacy ones do not. */
    static final ContextFactory FACTORY = new ContextFactory() {
        @Override
        protected boolean hasFeature(Context cx, int feature) {
            if (feature == Context.FEATURE_ENABLE_JAVA_MAP_ACCESS) return Boolean.TRUE.equals(cx.getThreadLocal(NEXT_GEN));
            return super.hasFeature(cx, feature);
        }
    };

    /**
     * Reflection of the Java classes scripts touch (the bindings' stubs, Request, …), shared by all
     * executions: Rhino keeps it per top-level scope, and reflecting every class again for every
     * fresh scope cost more than running the script. The scopes themselves stay fresh.
     */
    private static final ClassCache CLASSES = new ClassCache();

    static Map<String, Object> failure(String message) {
        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("ok", false);
        outcome.put("error", message);
        outcome.put("logs", new ArrayList<>());
        outcome.put("httpCalls", new ArrayList<>());
        return outcome;
    }

    /** Compile failures travel out of computeIfAbsent unchecked, and are never cached. */
    private static final class CompileFailure extends RuntimeException {
        final RhinoException error;

        CompileFailure(RhinoException error) {
            super(error);
            this.error = error;
        }
    }

    /** Runs one "run" frame; compiled[0]: this execution compiled the script, compiled[1]: the script is in the cache. */
    static Map<String, Object> run(Map<?, ?> frame, Server.ScriptCache cache, Server.Callbacks callbacks, boolean[] compiled) {
        String context = str(frame.get("context"));
        Context cx = FACTORY.enterContext();
        try {
            cx.setLanguageVersion(Context.VERSION_DEFAULT);
            cx.setOptimizationLevel(-1);
            cx.putThreadLocal(NEXT_GEN, context != null && context.endsWith("_NEXT_GEN"));
            String name = frame.get("name") == null ? "script" : str(frame.get("name"));
            String key = str(frame.get("script"));
            String source = str(frame.get("source"));
            Script script = key == null ? null : cache.get(key);
            if (script == null) {
                if (source == null) {
                    Map<String, Object> outcome = failure("script not compiled in this engine");
                    outcome.put("needSource", true);
                    return outcome;
                }
                try {
                    script = cache.compute(key == null ? source : key, () -> {
                        compiled[0] = true;
                        try {
                            return cx.compileString(source, name, 1, null);
                        } catch (RhinoException error) {
                            throw new CompileFailure(error);
                        }
                    });
                } catch (CompileFailure failure) {
                    return failure(describe(failure.error));
                }
            }
            compiled[1] = key != null;
            return new Execution(cx, context, (Map<?, ?>) frame.get("input"), callbacks).run(script, str(frame.get("entryPoint")));
        } finally {
            Context.exit();
        }
    }

    /** The bindings and recorders of one execution. */
    private static final class Execution {
        private final Context cx;
        private final String context;
        private final boolean nextGen;
        private final Map<?, ?> input;
        private final ScriptableObject scope;
        private final List<Stubs.LogLine> logs = new ArrayList<>();
        private final List<Stubs.Call> calls = new ArrayList<>();
        private Stubs.AccessToken legacyToken;
        private NextGen.AccessToken nextGenToken;
        private NextGen.Policy policy;

        Execution(Context cx, String context, Map<?, ?> input, Server.Callbacks callbacks) {
            this.cx = cx;
            this.context = context;
            this.nextGen = context != null && context.endsWith("_NEXT_GEN");
            this.input = input == null ? Map.of() : input;
            ScriptableObject top = new NativeObject();
            CLASSES.associate(top);
            cx.initStandardObjects(top);
            this.scope = top;
            bind(callbacks);
        }

        private void bind(Server.Callbacks callbacks) {
            Map<String, String> env = new HashMap<>();
            Object envValue = input.get("env");
            if (envValue instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) envValue).entrySet()) env.put(String.valueOf(e.getKey()), str(e.getValue()));
            Stubs.Transport transport = transport(input.get("http"), callbacks, scope);
            put("logger", nextGen ? new NextGen.Logger(logs) : new Stubs.Logger(logs));
            put("systemEnv", new Stubs.SystemEnv(env));
            put("httpClient", nextGen ? new NextGen.HttpClient(transport, calls, scope) : new Stubs.HttpClientStub(transport, calls));
            put("realm", str(input.get("realm")));
            put("scriptName", input.get("scriptName") == null ? "script" : str(input.get("scriptName")));
            if (nextGen && !(input.containsKey("policy") && input.get("policy") == null)) {
                Object source = input.get("policy");
                boolean callback = source instanceof Map && Boolean.TRUE.equals(((Map<?, ?>) source).get("callback"));
                policy = new NextGen.Policy(callback ? null : source instanceof List ? (List<?>) source : List.of(), callbacks, scope);
                put("policy", policy);
            }
            switch (String.valueOf(context)) {
                case "OAUTH2_VALIDATE_SCOPE":
                    put("requestedScopes", stringSet(input.get("requestedScopes")));
                    put("allowedScopes", stringSet(input.get("allowedScopes")));
                    put("defaultScopes", stringSet(input.get("defaultScopes")));
                    break;
                case "OAUTH2_VALIDATE_SCOPE_NEXT_GEN":
                    put("requestedScopes", stringList(input.get("requestedScopes")));
                    put("allowedScopes", stringList(input.get("allowedScopes")));
                    put("defaultScopes", stringList(input.get("defaultScopes")));
                    put("availableScopes", stringList(input.containsKey("availableScopes") ? input.get("availableScopes") : input.get("allowedScopes")));
                    put("scopeValidatorHelper", new NextGen.ScopeValidatorHelper());
                    break;
                case "OAUTH2_ACCESS_TOKEN_MODIFICATION":
                case "OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN":
                    bindTokenModification();
                    break;
                case "POLICY_CONDITION":
                    bindCondition();
                    break;
                default:
                    throw new IllegalArgumentException("unknown script context " + context);
            }
        }

        private void bindTokenModification() {
            Object token = input.get("accessToken");
            if (!(token instanceof Map)) return;
            Map<?, ?> t = (Map<?, ?>) token;
            Object fields = t.get("fields");
            if (nextGen) {
                nextGenToken = new NextGen.AccessToken(stringList(t.get("scope")), str(t.get("clientId")), str(t.get("resourceOwnerId")), str(t.get("grantType")));
                if (fields instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) fields).entrySet()) nextGenToken.fields.put(String.valueOf(e.getKey()), e.getValue());
                put("accessToken", nextGenToken);
                put("scopes", stringList(t.get("scope")));
            } else {
                legacyToken = new Stubs.AccessToken(stringSet(t.get("scope")), str(t.get("clientId")), str(t.get("resourceOwnerId")), str(t.get("grantType")));
                if (fields instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) fields).entrySet()) legacyToken.fields.put(String.valueOf(e.getKey()), e.getValue());
                put("accessToken", legacyToken);
                put("scopes", new HashSet<>(legacyToken.scope));
            }
            Object attributes = identityAttributes();
            if (attributes == null) put("identity", null);
            else if (nextGen) put("identity", new NextGen.Identity(listMap(attributes)));
            else put("identity", new Stubs.Identity(setMap(attributes)));
            Object clientProperties = input.get("clientProperties");
            if (clientProperties instanceof Map) put("clientProperties", javaMap((Map<?, ?>) clientProperties, nextGen));
            Object requestProperties = input.get("requestProperties");
            if (requestProperties instanceof Map) put("requestProperties", javaMap((Map<?, ?>) requestProperties, nextGen));
        }

        /** AM's scripted policy condition (legacy): the decision comes back through authorized, advice, responseAttributes, ttl. */
        private void bindCondition() {
            put("environment", setMap(input.get("environment")));
            Object attributes = identityAttributes();
            put("identity", attributes == null ? null : new Stubs.Identity(setMap(attributes)));
            put("username", str(input.get("username")));
            put("resourceURI", str(input.get("resourceURI")));
            put("requestParamsMap", listMap(input.get("requestParamsMap")));
            put("session", null);
            put("authorized", false);
            put("advice", new HashMap<String, Object>());
            put("responseAttributes", new HashMap<String, Object>());
        }

        private Object identityAttributes() {
            Object identity = input.get("identity");
            return identity instanceof Map ? ((Map<?, ?>) identity).get("attributes") : null;
        }

        Map<String, Object> run(Script script, String entryPoint) {
            Map<String, Object> outcome = new LinkedHashMap<>();
            boolean ok = true;
            try {
                script.exec(cx, scope);
                if (entryPoint != null) {
                    Object fn = ScriptableObject.getProperty(scope, entryPoint);
                    if (!(fn instanceof Function)) throw new IllegalStateException("TypeError: " + entryPoint + " is not a function");
                    Object result = ((Function) fn).call(cx, scope, scope, new Object[0]);
                    Object unwrapped = result instanceof Wrapper ? ((Wrapper) result).unwrap() : result;
                    // Legacy returns a java.util.Set; next-generation a java.util.List (a JS array is one in Rhino).
                    Class<?> expected = nextGen ? List.class : Set.class;
                    if (!expected.isInstance(unwrapped)) throw new IllegalStateException(entryPoint + " must return a " + expected.getName() + ", returned " + (unwrapped == null ? "null" : unwrapped.getClass().getName()));
                    List<String> returned = NextGen.strings((Collection<?>) unwrapped);
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
            if (legacyToken != null) outcome.put("accessToken", token(new ArrayList<>(legacyToken.scope), legacyToken.fields));
            if (nextGenToken != null) outcome.put("accessToken", token(new ArrayList<>(nextGenToken.scope), nextGenToken.fields));
            if ("POLICY_CONDITION".equals(context)) outcome.put("condition", condition());
            List<Object> lines = new ArrayList<>();
            for (Stubs.LogLine line : logs) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("level", line.level);
                entry.put("text", line.text);
                lines.add(entry);
            }
            outcome.put("logs", lines);
            List<Object> recorded = new ArrayList<>();
            for (Stubs.Call call : calls) recorded.add(call.recorded());
            outcome.put("httpCalls", recorded);
            if (nextGen) {
                List<Object> evaluations = new ArrayList<>();
                if (policy != null) for (String request : policy.calls) evaluations.add(new Json.Raw(request));
                outcome.put("policyCalls", evaluations);
            }
            return outcome;
        }

        private Map<String, Object> condition() {
            Map<String, Object> condition = new LinkedHashMap<>();
            Object authorized = unwrap(ScriptableObject.getProperty(scope, "authorized"));
            condition.put("authorized", Boolean.TRUE.equals(authorized));
            condition.put("advice", readBack(ScriptableObject.getProperty(scope, "advice")));
            condition.put("responseAttributes", readBack(ScriptableObject.getProperty(scope, "responseAttributes")));
            Object ttl = unwrap(ScriptableObject.getProperty(scope, "ttl"));
            condition.put("ttl", ttl instanceof Number ? ttl : null);
            return condition;
        }

        private void put(String name, Object value) {
            ScriptableObject.putProperty(scope, name, value == null ? null : Context.javaToJS(value, scope));
        }
    }

    private static Map<String, Object> token(List<String> scope, Map<String, Object> fields) {
        Map<String, Object> after = new LinkedHashMap<>();
        scope.sort(null);
        after.put("scope", scope);
        Map<String, Object> plainFields = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : fields.entrySet()) plainFields.put(e.getKey(), plain(e.getValue()));
        after.put("fields", plainFields);
        return after;
    }

    /** advice / responseAttributes as the script left them: name → values (a Set, a List, a JS array or one value). */
    private static Map<String, Object> readBack(Object value) {
        Map<String, Object> out = new LinkedHashMap<>();
        value = unwrap(value);
        if (!(value instanceof Map)) return out;
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
            Object v = unwrap(e.getValue());
            out.put(String.valueOf(e.getKey()), v instanceof Collection ? NextGen.strings((Collection<?>) v) : List.of(String.valueOf(v)));
        }
        return out;
    }

    /** Scripted answers (a list), real HTTP ({live: true}) or a handler in Node ({callback: true}). */
    private static Stubs.Transport transport(Object http, Server.Callbacks callbacks, Scriptable scope) {
        if (http instanceof List) return Stubs.scripted((List<?>) http);
        if (http instanceof Map && Boolean.TRUE.equals(((Map<?, ?>) http).get("live"))) return Stubs.live();
        if (http instanceof Map && Boolean.TRUE.equals(((Map<?, ?>) http).get("callback"))) return Stubs.callback(callbacks, scope);
        return Stubs.scripted(List.of());
    }

    private static Object unwrap(Object value) {
        return value instanceof Wrapper ? ((Wrapper) value).unwrap() : value;
    }

    static String str(Object value) {
        return value == null ? null : String.valueOf(value);
    }

    private static Set<String> stringSet(Object value) {
        Set<String> set = new HashSet<>();
        if (value instanceof List) for (Object item : (List<?>) value) set.add(String.valueOf(item));
        return set;
    }

    private static List<String> stringList(Object value) {
        List<String> list = new ArrayList<>();
        if (value instanceof List) for (Object item : (List<?>) value) list.add(String.valueOf(item));
        return list;
    }

    private static Map<String, Set<String>> setMap(Object value) {
        Map<String, Set<String>> map = new HashMap<>();
        if (value instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) map.put(String.valueOf(e.getKey()), stringSet(e.getValue()));
        return map;
    }

    private static Map<String, List<String>> listMap(Object value) {
        Map<String, List<String>> map = new HashMap<>();
        if (value instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) map.put(String.valueOf(e.getKey()), stringList(e.getValue()));
        return map;
    }

    /** clientProperties / requestProperties: Maps; multi-values are Sets in legacy, Lists in next-generation. */
    private static Map<String, Object> javaMap(Map<?, ?> source, boolean nextGen) {
        Map<String, Object> map = new HashMap<>();
        for (Map.Entry<?, ?> e : source.entrySet()) {
            Object value = e.getValue();
            Object converted = value instanceof List ? (nextGen ? stringList(value) : stringSet(value)) : value instanceof Map ? javaMap((Map<?, ?>) value, nextGen) : value;
            map.put(String.valueOf(e.getKey()), converted);
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

    static String describe(Throwable error) {
        if (error instanceof EvaluatorException || error instanceof EcmaError) return ((RhinoException) error).details() + " (line " + ((RhinoException) error).lineNumber() + ")";
        if (error instanceof JavaScriptException) return "thrown: " + ((JavaScriptException) error).details();
        if (error instanceof WrappedException) return ((WrappedException) error).getWrappedException().toString();
        return String.valueOf(error.getMessage());
    }
}
