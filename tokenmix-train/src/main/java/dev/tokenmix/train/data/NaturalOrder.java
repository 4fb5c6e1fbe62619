package dev.tokenmix.train.data;

import java.util.Comparator;
import java.util.Locale;

/**
 * timm's {@code natural_key} order: case-insensitive, with runs of digits compared as numbers, so
 * {@code class2 < class10}. Ties (names differing only in case or leading zeros) fall back to plain string order
 * so the order is total.
 */
public final class NaturalOrder implements Comparator<String> {
    /** The shared instance. */
    public static final NaturalOrder INSTANCE = new NaturalOrder();

    private NaturalOrder() {
    }

    @Override
    public int compare(String a, String b) {
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            char cx = x.charAt(i);
            char cy = y.charAt(j);
            if (Character.isDigit(cx) && Character.isDigit(cy)) {
                int ei = digitsEnd(x, i);
                int ej = digitsEnd(y, j);
                int c = compareNumbers(x.substring(i, ei), y.substring(j, ej));
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                // Python compares a str chunk with an int chunk by failing; timm never meets it in practice.
                // Digits sort before letters here, as in ASCII.
                if (cx != cy) {
                    return Character.compare(cx, cy);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(x.length() - i, y.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    private static int digitsEnd(String s, int from) {
        int e = from;
        while (e < s.length() && Character.isDigit(s.charAt(e))) {
            e++;
        }
        return e;
    }

    private static int compareNumbers(String a, String b) {
        String x = a.replaceFirst("^0+(?=.)", "");
        String y = b.replaceFirst("^0+(?=.)", "");
        int c = Integer.compare(x.length(), y.length());
        return c != 0 ? c : x.compareTo(y);
    }
}
