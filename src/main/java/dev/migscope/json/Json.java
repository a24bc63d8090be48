package dev.migscope.json;

import java.util.List;

/**
 * migscope's JSON output (CLI listings, conformance reports), written by hand: one escaping rule
 * in one place, no dependency. Values are strings, numbers, booleans, null, or JSON already built
 * by this class.
 */
public final class Json {

    private Json() {
    }

    /** A JSON string literal (RFC 8259 escaping), or {@code null}. */
    public static String str(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** A JSON number; NaN and infinities (not representable) become null. */
    public static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "null";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** An array of JSON values already built. */
    public static String array(List<String> rawValues) {
        return "[" + String.join(",", rawValues) + "]";
    }

    /** An array of strings. */
    public static String strings(List<String> values) {
        return array(values.stream().map(Json::str).toList());
    }

    /** Builds one object; keys keep their insertion order. */
    public static final class Obj {
        private final StringBuilder sb = new StringBuilder("{");

        /** Adds a member whose value is JSON already built; nothing when {@code raw} is null (an absent key). */
        public Obj raw(String key, String raw) {
            if (raw != null) {
                if (sb.length() > 1) {
                    sb.append(',');
                }
                sb.append(Json.str(key)).append(':').append(raw);
            }
            return this;
        }

        /** A string member; absent when {@code value} is null. */
        public Obj str(String key, String value) {
            return raw(key, value == null ? null : Json.str(value));
        }

        public Obj num(String key, long value) {
            return raw(key, Long.toString(value));
        }

        public Obj num(String key, double value) {
            return raw(key, Json.num(value));
        }

        public Obj bool(String key, boolean value) {
            return raw(key, Boolean.toString(value));
        }

        @Override
        public String toString() {
            return sb + "}";
        }
    }
}
