package org.forgerock.http.protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test stand-in for AM's CHF Headers: a multi-map of header values. */
public class Headers {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    public void add(String name, Object value) {
        values.computeIfAbsent(name, k -> new ArrayList<>()).add(String.valueOf(value));
    }

    public void put(String name, Object value) {
        List<String> list = new ArrayList<>();
        list.add(String.valueOf(value));
        values.put(name, list);
    }

    public String getFirst(String name) {
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) return e.getValue().get(0);
        }
        return null;
    }

    public Map<String, List<String>> asMapOfHeaders() {
        return values;
    }
}
