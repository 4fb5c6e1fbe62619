package dev.tokenmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class FormatTest {

    @Test
    void counts() {
        assertEquals("5.72M", Format.count(5_717_416));
        assertEquals("86.6M", Format.count(86_567_656));
        assertEquals("56.9K", Format.count(56_904));
        assertEquals("999", Format.count(999));
        assertEquals("1.25G", Format.count(1_253_683_000L));
        assertEquals("5,717,416", Format.thousands(5_717_416));
    }

    @Test
    void decimals() {
        assertEquals("1.25", Format.gmacs(1.253683));
        assertEquals("0.0004", Format.gmacs(0.000446));
        assertEquals("1.253683", Format.plain(1.2536834, 6));
        assertEquals("72.2", Format.plain(72.2, 3));
        assertEquals("72", Format.plain(72.0, 3));
        assertEquals("", Format.plain(Double.NaN, 3));
        assertEquals("-", Format.paper(Double.NaN, "M", "-"));
        assertEquals("5.7M", Format.paper(5.7, "M", "-"));
        assertEquals("\"a,b\"", Format.csv("a,b"));
    }

    @Test
    void tableAlignsColumns() {
        TextTable t = new TextTable("NAME", ">N");
        t.add("a", "1");
        t.add("long-name", "100");
        StringWriter sw = new StringWriter();
        t.print(new PrintWriter(sw), "");
        assertEquals(String.join("\n", "NAME         N", "---------  ---", "a            1", "long-name  100", ""),
                sw.toString().replace("\r\n", "\n"));
    }
}
