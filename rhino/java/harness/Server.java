package harness;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.Scriptable;
import org.mozilla.javascript.json.JsonParser;

/**
 * The long-lived script engine beside the local tenant: one JVM, executions framed as one JSON
 * object per line on stdin (requests) and stdout (answers and callbacks). Owns the protocol, the
 * pool and the compiled-script cache; Engine owns what one execution does.
 *
 * The pool is AM's script pool: 10 core threads, 50 at most, a queue of 10; an execution beyond
 * that is refused at once (AM answers the request with an error, it never waits). A callback
 * (policy evaluation or HTTP by a handler living in Node) is a "call" line answered by a "reply".
 * End of stdin ends the process, so the JVM never outlives the Node process that started it.
 */
public final class Server {
    static final int CORE_THREADS = 10;
    static final int MAX_THREADS = 50;
    static final int QUEUE = 10;
    /** A callback answer that never comes (Node stuck) fails the execution instead of a pool thread forever. */
    private static final long CALLBACK_TIMEOUT_SECONDS = 60;

    private final Writer out;
    private final ScriptCache scripts = new ScriptCache();
    private final Map<Long, CompletableFuture<Map<?, ?>>> pendingCalls = new ConcurrentHashMap<>();
    private final AtomicLong nextCall = new AtomicLong();
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final ThreadPoolExecutor pool;

    private Server(Writer out) {
        this.out = out;
        pool = new ThreadPoolExecutor(CORE_THREADS, MAX_THREADS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), runnable -> {
            // Rhino's interpreter recurses per JS call: the same stack AM's threads get.
            Thread thread = new Thread(null, runnable, "script-" + threadNumber.incrementAndGet(), 4L << 20);
            thread.setDaemon(true);
            return thread;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    public static void main(String[] args) throws Exception {
        // Keep-alive connections per host for live HTTP: as many as pool threads may use at once.
        System.setProperty("http.maxConnections", String.valueOf(MAX_THREADS));
        // Scripts could print through java.lang.System: keep the protocol stream for frames only.
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        Server server = new Server(new OutputStreamWriter(protocol, StandardCharsets.UTF_8));
        server.send(Map.of("type", "ready", "coreThreads", CORE_THREADS, "maxThreads", MAX_THREADS, "queue", QUEUE));
        server.readLoop(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        System.exit(0);
    }

    private void readLoop(BufferedReader in) throws IOException {
        Context cx = Engine.FACTORY.enterContext();
        try {
            Scriptable parseScope = cx.initStandardObjects();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) continue;
                Map<?, ?> frame;
                try {
                    frame = (Map<?, ?>) new JsonParser(cx, parseScope).parseValue(line);
                } catch (JsonParser.ParseException | ClassCastException error) {
                    System.err.println("rhino server: unreadable frame: " + error.getMessage());
                    continue;
                }
                String type = String.valueOf(frame.get("type"));
                if ("run".equals(type)) submit(frame);
                else if ("reply".equals(type)) reply(frame);
                else if ("exit".equals(type)) break;
            }
        } finally {
            Context.exit();
        }
    }

    private void submit(Map<?, ?> frame) {
        Object id = frame.get("id");
        try {
            pool.execute(() -> {
                Map<String, Object> outcome;
                boolean[] compiled = {false, false};
                try {
                    outcome = Engine.run(frame, scripts, (kind, json) -> call(id, kind, json), compiled);
                } catch (Throwable error) {
                    outcome = Engine.failure("the engine failed: " + error);
                }
                Map<String, Object> done = new LinkedHashMap<>();
                done.put("type", "done");
                done.put("id", id);
                if (compiled[0]) done.put("compiled", true);
                if (compiled[1]) done.put("cached", true);
                done.put("outcome", outcome);
                send(done);
            });
        } catch (RejectedExecutionException full) {
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("type", "done");
            done.put("id", id);
            done.put("outcome", Engine.failure("script engine pool exhausted: " + MAX_THREADS + " threads busy and " + QUEUE + " executions queued; the execution was refused, as AM's script pool refuses it"));
            send(done);
        }
    }

    /** A callback into Node for execution `run`: blocks this pool thread until the reply arrives. */
    private String call(Object run, String kind, String json) throws IOException {
        long id = nextCall.incrementAndGet();
        CompletableFuture<Map<?, ?>> answer = new CompletableFuture<>();
        pendingCalls.put(id, answer);
        try {
            Map<String, Object> frame = new LinkedHashMap<>();
            frame.put("type", "call");
            frame.put("id", id);
            frame.put("run", run);
            frame.put("kind", kind);
            frame.put("json", json);
            send(frame);
            Map<?, ?> reply = answer.get(CALLBACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (Boolean.TRUE.equals(reply.get("ok"))) return String.valueOf(reply.get("json"));
            throw new IOException(String.valueOf(reply.get("error")));
        } catch (InterruptedException | ExecutionException | TimeoutException error) {
            throw new IOException(kind + " callback got no answer: " + error);
        } finally {
            pendingCalls.remove(id);
        }
    }

    private void reply(Map<?, ?> frame) {
        Object id = frame.get("id");
        if (!(id instanceof Number)) return;
        CompletableFuture<Map<?, ?>> pending = pendingCalls.get(((Number) id).longValue());
        if (pending != null) pending.complete(frame);
    }

    private synchronized void send(Map<String, ?> frame) {
        try {
            out.write(Json.write(frame));
            out.write('\n');
            out.flush();
        } catch (IOException error) {
            // Node went away: nothing left to answer to.
            System.exit(0);
        }
    }

    /**
     * Compiled scripts by the SHA-256 of their source (computed by Node): one compile per revision.
     * Executions of a script not yet compiled carry its source; concurrent ones wait for one compile.
     */
    static final class ScriptCache {
        private static final int MAX = 256;
        private final ConcurrentHashMap<String, org.mozilla.javascript.Script> compiled = new ConcurrentHashMap<>();

        org.mozilla.javascript.Script get(String key) {
            return compiled.get(key);
        }

        /** The cached script, or the one `compile` makes (once, however many executions ask at the same time). */
        org.mozilla.javascript.Script compute(String key, java.util.function.Supplier<org.mozilla.javascript.Script> compile) {
            if (compiled.size() >= MAX && !compiled.containsKey(key)) compiled.clear();
            return compiled.computeIfAbsent(key, k -> compile.get());
        }
    }

    /** How an execution reaches Node. */
    interface Callbacks {
        String call(String kind, String json) throws IOException;
    }
}
