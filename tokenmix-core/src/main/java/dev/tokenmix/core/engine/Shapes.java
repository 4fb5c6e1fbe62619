package dev.tokenmix.core.engine;

import java.util.StringJoiner;

/** Static-shape arithmetic shared by the facade: formatting, broadcasting and reshape inference. */
final class Shapes {
    private Shapes() {
    }

    static String format(long[] shape) {
        StringJoiner j = new StringJoiner(", ", "[", "]");
        for (long d : shape) {
            if (d == -1) {
                j.add("B");
            } else if (d < 0) {
                j.add("B*" + (-d));
            } else {
                j.add(Long.toString(d));
            }
        }
        return j.toString();
    }

    /** The shape with a wildcard ({@link Long#MIN_VALUE} entries print as "*"). */
    static String formatExpected(long[] shape) {
        StringJoiner j = new StringJoiner(", ", "[", "]");
        for (long d : shape) {
            j.add(d == Long.MIN_VALUE ? "*" : d == -1 ? "B" : d < 0 ? "B*" + (-d) : Long.toString(d));
        }
        return j.toString();
    }

    /** Numpy broadcasting of two static shapes, or null if they do not broadcast. */
    static long[] broadcast(long[] a, long[] b) {
        int n = Math.max(a.length, b.length);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long da = i < n - a.length ? 1 : a[i - (n - a.length)];
            long db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                return null;
            }
        }
        return out;
    }

    static long product(long[] s) {
        long p = 1;
        for (long d : s) {
            p *= Math.abs(d);
        }
        return p;
    }

    static boolean hasBatch(long[] s) {
        for (long d : s) {
            if (d < 0) {
                return true;
            }
        }
        return false;
    }
}
