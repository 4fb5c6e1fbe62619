package dev.tokenmix.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** Number formatting shared by the commands: machine-readable for CSV, short for tables. */
final class Format {
    private Format() {
    }

    /** {@code 5717416 -> "5.72M"}, {@code 86_000_000 -> "86.0M"}, {@code 12345 -> "12.3K"}, {@code 999 -> "999"}. */
    static String count(long n) {
        double a = Math.abs((double) n);
        if (a >= 1e9) {
            return threeDigits(n / 1e9) + "G";
        }
        if (a >= 1e6) {
            return threeDigits(n / 1e6) + "M";
        }
        if (a >= 1e3) {
            return threeDigits(n / 1e3) + "K";
        }
        return Long.toString(n);
    }

    /** Three significant digits for values of 1 and more, two decimals below: 1.26, 12.6, 126, 0.02. */
    static String threeDigits(double v) {
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** GMACs for a table: two decimals, more below 0.01 so small models do not read 0.00. */
    static String gmacs(double g) {
        if (g != 0 && Math.abs(g) < 0.01) {
            return String.format(Locale.ROOT, "%.4f", g);
        }
        return String.format(Locale.ROOT, "%.2f", g);
    }

    /** {@code 5717416 -> "5,717,416"}. */
    static String thousands(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A plain decimal with at most {@code decimals} decimals and no trailing zeros; NaN gives "". */
    static String plain(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        BigDecimal d = BigDecimal.valueOf(v).setScale(decimals, RoundingMode.HALF_EVEN).stripTrailingZeros();
        return d.signum() == 0 ? "0" : d.toPlainString();
    }

    /** A paper number as written ({@code 5.7}, {@code 72.2}), or {@code dash} when unknown. */
    static String paper(double v, String suffix, String dash) {
        return Double.isNaN(v) ? dash : plain(v, 3) + suffix;
    }

    /** One CSV field, quoted only when it must be. */
    static String csv(String s) {
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }
}
