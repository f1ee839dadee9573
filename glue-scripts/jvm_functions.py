"""Small Java UDFs the Spark jobs compile when they start, with the Janino compiler Spark itself
ships (Spark generates and compiles its own code with it), and add to the session as a jar.
Nothing is built or uploaded beside the job's Python modules.

- ddbsnap_json_text(type, raw): item_types.to_json_text of a value from its DynamoDB type and the
  raw text Spark's JSON reader gives (JSON text for SS, NS, BS, M and L), read and written as
  UTF-8 bytes (`json_text`): a string passed as text would be decoded into a Java String and
  encoded again, which took half the function's time. Spark has no expression that sorts a map's
  keys at every level of nesting; unrolled into SQL it measured slower than even a Python UDF
  (docs/performance.md), and a Python UDF sends every value to a Python worker.
- ddbsnap_integer_digits(text), ddbsnap_fraction_digits(text): item_types.number_digits of a
  number text with an exponent (BigDecimal.stripTrailingZeros: exact), NULL for a text that is
  not a number. Written plainly, a number's digits are counted by Spark expressions.

The Spark suite holds each to its Python counterpart on generated values
(test/spark/test_shaping_parity.py). `register` returns False, with a warning, if the compiler is
not there; item_shaping then uses the Python function in a UDF for JSON text and Spark
expressions for the digits. The Java below is the subset Janino compiles (no generics, no
lambdas)."""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from typing import Any

LOG = logging.getLogger("json_text_jvm")

JSON_TEXT = "ddbsnap_json_text"
INTEGER_DIGITS = "ddbsnap_integer_digits"
FRACTION_DIGITS = "ddbsnap_fraction_digits"

JAVA_SOURCE = r"""
package ddbsnap;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;

/** The canonical JSON text of a DynamoDB value, as UTF-8 bytes, from its type and its raw text's
 * UTF-8 bytes. Bytes in and out: Spark hands a string column over as bytes without decoding it,
 * and UTF-8's byte order is code-point order, Python's order of strings. */
public class JsonText implements org.apache.spark.sql.api.java.UDF2 {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    /** The type and the raw text as Spark's JSON reader gives them: JSON text for SS, NS, BS,
     * M and L, the value itself for the scalar types. */
    public Object call(Object type, Object raw) throws Exception {
        if (type == null || raw == null) return null;
        String t = (String) type;
        byte[] in = raw instanceof byte[] ? (byte[]) raw
            : ((String) raw).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 16);
        if (t.equals("S") || t.equals("B")) {
            quote(in, out);
        } else if (t.equals("N")) {
            ascii(number(new String(in, StandardCharsets.US_ASCII)), out);
        } else if (t.equals("BOOL")) {
            out.write(in, 0, in.length);
        } else if (t.equals("NULL")) {
            out.write(NULL, 0, NULL.length);
        } else {
            Reader reader = new Reader(in);
            value(t, reader, out);
            reader.end();
        }
        return out.toByteArray();
    }

    /** One value of DynamoDB type t, in DynamoDB JSON, read from `in`. */
    static void value(String t, Reader in, ByteArrayOutputStream out) throws Exception {
        if (t.equals("S") || t.equals("B")) {
            quote(in.string(), out);
        } else if (t.equals("N")) {
            ascii(number(new String(in.string(), StandardCharsets.US_ASCII)), out);
        } else if (t.equals("BOOL")) {
            ascii(in.literal() ? "true" : "false", out);
        } else if (t.equals("NULL")) {
            in.literal();
            out.write(NULL, 0, NULL.length);
        } else if (t.equals("L")) {
            out.write('[');
            in.expect('[');
            boolean more = !in.closes(']');
            while (more) {
                typed(in, out);
                more = in.next(']');
                if (more) out.write(',');
            }
            out.write(']');
        } else if (t.equals("M")) {
            ArrayList entries = new ArrayList();
            in.expect('{');
            boolean more = !in.closes('}');
            while (more) {
                byte[] key = in.string();
                in.expect(':');
                ByteArrayOutputStream text = new ByteArrayOutputStream();
                typed(in, text);
                entries.add(new byte[][] {key, text.toByteArray()});
                more = in.next('}');
            }
            Object[] sorted = entries.toArray();
            Arrays.sort(sorted, new Comparator() {
                public int compare(Object a, Object b) {
                    return compareBytes(((byte[][]) a)[0], ((byte[][]) b)[0]);
                }
            });
            out.write('{');
            for (int i = 0; i < sorted.length; i++) {
                if (i > 0) out.write(',');
                byte[][] entry = (byte[][]) sorted[i];
                quote(entry[0], out);
                out.write(':');
                out.write(entry[1], 0, entry[1].length);
            }
            out.write('}');
        } else if (t.equals("SS") || t.equals("BS") || t.equals("NS")) {
            final boolean numbers = t.equals("NS");
            ArrayList members = new ArrayList();
            in.expect('[');
            boolean more = !in.closes(']');
            while (more) {
                byte[] member = in.string();
                if (numbers) {
                    // Read once, not at every comparison; the sort is stable, as Python's
                    // sorted(key=Decimal) is, so equal numbers keep their order.
                    String text = new String(member, StandardCharsets.US_ASCII);
                    members.add(new Object[] {new BigDecimal(text), text});
                } else {
                    members.add(member);
                }
                more = in.next(']');
            }
            Object[] sorted = members.toArray();
            Arrays.sort(sorted, new Comparator() {
                public int compare(Object a, Object b) {
                    if (!numbers) return compareBytes((byte[]) a, (byte[]) b);
                    return ((BigDecimal) ((Object[]) a)[0]).compareTo(
                        (BigDecimal) ((Object[]) b)[0]);
                }
            });
            out.write('[');
            for (int i = 0; i < sorted.length; i++) {
                if (i > 0) out.write(',');
                if (numbers) ascii(number((String) ((Object[]) sorted[i])[1]), out);
                else quote((byte[]) sorted[i], out);
            }
            out.write(']');
        } else {
            throw new IllegalArgumentException("not a DynamoDB type: " + t);
        }
    }

    /** A value in DynamoDB JSON, {"<type>": <value>}. */
    static void typed(Reader in, ByteArrayOutputStream out) throws Exception {
        in.expect('{');
        String t = new String(in.string(), StandardCharsets.US_ASCII);
        in.expect(':');
        value(t, in, out);
        if (in.next('}')) {
            throw new IllegalArgumentException("a DynamoDB value with more than one type");
        }
    }

    /** JSON text as UTF-8 bytes, read token by token. */
    static final class Reader {
        private final byte[] in;
        private int at;

        Reader(byte[] in) {
            this.in = in;
        }

        private void space() {
            while (at < in.length && (in[at] == ' ' || in[at] == '\n' || in[at] == '\r'
                    || in[at] == '\t')) at++;
        }

        void expect(char c) {
            space();
            if (at >= in.length || in[at] != c) {
                throw new IllegalArgumentException("expected '" + c + "' at byte " + at);
            }
            at++;
        }

        /** Right after '[' or '{': whether it closes at once (consumed). */
        boolean closes(char close) {
            space();
            if (at < in.length && in[at] == close) {
                at++;
                return true;
            }
            return false;
        }

        /** After a member: true for a ',' (another member follows), false for `close`. */
        boolean next(char close) {
            space();
            if (at < in.length && in[at] == ',') {
                at++;
                return true;
            }
            if (at < in.length && in[at] == close) {
                at++;
                return false;
            }
            throw new IllegalArgumentException("expected ',' or '" + close + "' at byte " + at);
        }

        /** true or false (NULL's value is true). */
        boolean literal() {
            space();
            if (starts("true")) {
                at += 4;
                return true;
            }
            if (starts("false")) {
                at += 5;
                return false;
            }
            throw new IllegalArgumentException("expected true or false at byte " + at);
        }

        private boolean starts(String word) {
            if (at + word.length() > in.length) return false;
            for (int i = 0; i < word.length(); i++) {
                if (in[at + i] != word.charAt(i)) return false;
            }
            return true;
        }

        /** A JSON string's content as UTF-8 bytes, its escapes decoded. */
        byte[] string() {
            expect('"');
            int start = at;
            while (at < in.length && in[at] != '"' && in[at] != '\\') at++;
            if (at < in.length && in[at] == '"') {
                return Arrays.copyOfRange(in, start, at++);
            }
            ByteArrayOutputStream text = new ByteArrayOutputStream(at - start + 16);
            text.write(in, start, at - start);
            while (true) {
                if (at >= in.length) throw new IllegalArgumentException("unterminated string");
                byte b = in[at++];
                if (b == '"') return text.toByteArray();
                if (b != '\\') {
                    text.write(b);
                    continue;
                }
                byte e = in[at++];
                if (e == 'n') text.write('\n');
                else if (e == 'r') text.write('\r');
                else if (e == 't') text.write('\t');
                else if (e == 'b') text.write('\b');
                else if (e == 'f') text.write('\f');
                else if (e == 'u') {
                    int unit = hex4();
                    int code = unit;
                    if (unit >= 0xD800 && unit <= 0xDBFF && at + 6 <= in.length
                            && in[at] == '\\' && in[at + 1] == 'u') {
                        at += 2;
                        int low = hex4();
                        code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    }
                    byte[] encoded = new String(Character.toChars(code))
                        .getBytes(StandardCharsets.UTF_8);
                    text.write(encoded, 0, encoded.length);
                } else {
                    text.write(e); // \" \\ \/
                }
            }
        }

        private int hex4() {
            int value = Integer.parseInt(new String(in, at, 4, StandardCharsets.US_ASCII), 16);
            at += 4;
            return value;
        }

        void end() {
            space();
            if (at != in.length) throw new IllegalArgumentException("text after the value");
        }
    }

    /** Python's str(Decimal(text)): BigDecimal writes the same scientific string, but has no
     * negative zero. */
    static String number(String text) {
        if (canonical(text)) return text;
        BigDecimal d = new BigDecimal(text);
        String s = d.toString();
        return d.signum() == 0 && text.startsWith("-") ? "-" + s : s;
    }

    /** Whether str(Decimal(text)) is the text itself: no exponent, no sign but '-', no leading
     * zero, and not so small that Decimal writes an exponent (adjusted exponent below -6). Most
     * numbers are so, and skip BigDecimal. */
    static boolean canonical(String text) {
        int n = text.length();
        int i = n > 0 && text.charAt(0) == '-' ? 1 : 0;
        if (i >= n) return false;
        int start = i;
        while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') i++;
        int integerDigits = i - start;
        if (integerDigits == 0 || (integerDigits > 1 && text.charAt(start) == '0')) return false;
        if (i == n) return true;
        if (text.charAt(i) != '.' || i == n - 1) return false;
        int point = i++;
        while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') i++;
        if (i != n) return false;
        if (text.charAt(start) != '0') return true;
        // 0.<f>: Decimal's adjusted exponent is -(zeros after the point) - 1, or -len(f) for 0
        int zeros = 0;
        while (point + 1 + zeros < n && text.charAt(point + 1 + zeros) == '0') zeros++;
        return point + 1 + zeros == n ? n - point - 1 <= 6 : zeros + 1 <= 6;
    }

    /** json.dumps(s, ensure_ascii=False), from and to UTF-8 bytes: bytes of multi-byte
     * characters are all at or above 0x80, so only ASCII bytes are ever escaped. */
    static void quote(byte[] s, ByteArrayOutputStream out) {
        out.write('"');
        for (int i = 0; i < s.length; i++) {
            byte c = s[i];
            switch (c) {
                case '"': out.write('\\'); out.write('"'); break;
                case '\\': out.write('\\'); out.write('\\'); break;
                case '\n': out.write('\\'); out.write('n'); break;
                case '\r': out.write('\\'); out.write('r'); break;
                case '\t': out.write('\\'); out.write('t'); break;
                case '\b': out.write('\\'); out.write('b'); break;
                case '\f': out.write('\\'); out.write('f'); break;
                default:
                    if (c >= 0 && c < 0x20) {
                        out.write('\\');
                        out.write('u');
                        out.write('0');
                        out.write('0');
                        out.write(HEX[c >> 4]);
                        out.write(HEX[c & 15]);
                    } else {
                        out.write(c);
                    }
            }
        }
        out.write('"');
    }

    static void ascii(String text, ByteArrayOutputStream out) {
        for (int i = 0; i < text.length(); i++) out.write(text.charAt(i));
    }

    /** Python's order of strings, by code point: UTF-8 bytes compared unsigned. */
    static int compareBytes(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            int x = a[i] & 0xff;
            int y = b[i] & 0xff;
            if (x != y) return x < y ? -1 : 1;
        }
        return a.length == b.length ? 0 : (a.length < b.length ? -1 : 1);
    }

    /** item_types.number_digits: integer digits (or fraction digits) of a number text once its
     * leading and trailing zeros are stripped; NULL for a text that is not a number. */
    public static class Digits implements org.apache.spark.sql.api.java.UDF1 {
        private final boolean integer;

        public Digits(boolean integer) {
            this.integer = integer;
        }

        public Object call(Object text) {
            if (text == null) return null;
            BigDecimal d;
            try {
                d = new BigDecimal((String) text);
            } catch (NumberFormatException e) {
                return null;
            }
            if (d.signum() == 0) return Long.valueOf(0);
            d = d.stripTrailingZeros();
            long digits = integer ? (long) d.precision() - d.scale() : (long) d.scale();
            return Long.valueOf(Math.max(0, digits));
        }
    }

}
"""

_registered: set[str] = set()


def json_text(ddb_type: Any, raw: Any) -> Any:
    """The Column ddbsnap_json_text(type, raw) as a string: the raw text goes in as its UTF-8
    bytes and the JSON text comes back as bytes, both reinterpreted, never decoded."""
    from pyspark.sql import functions as F

    return F.call_function(JSON_TEXT, ddb_type, raw.cast("binary")).cast("string")


def _java_array(spark: Any, values: list[Any]) -> Any:
    """A java.lang.Object[] for reflective calls."""
    gateway = spark.sparkContext._gateway
    array = gateway.new_array(gateway.jvm.java.lang.Object, len(values))
    for index, value in enumerate(values):
        array[index] = value
    return array


def compile_jar(spark: Any, folder: str) -> str:
    """JAVA_SOURCE compiled by Janino in the driver's JVM, as a jar in `folder`."""
    jvm = spark.sparkContext._jvm
    compiler = jvm.org.codehaus.janino.SimpleCompiler()
    compiler.setParentClassLoader(jvm.java.lang.Thread.currentThread().getContextClassLoader())
    compiler.cook(JAVA_SOURCE)
    classes = compiler.getBytecodes()
    path = os.path.join(folder, "ddbsnap-json-text.jar")
    with zipfile.ZipFile(path, "w") as jar:
        for name in classes.keySet():
            jar.writestr(name.replace(".", "/") + ".class", bytes(classes.get(name)))
    return path


def register(spark: Any) -> bool:
    """Registers the functions in the session (once per Spark application); False, with a
    warning, where they could not be compiled."""
    application = spark.sparkContext.applicationId
    if application in _registered:
        return True
    try:
        jar = compile_jar(spark, tempfile.mkdtemp(prefix="ddbsnap-jvm-"))
        spark.sql(f"ADD JAR '{jar}'")
        jvm = spark.sparkContext._jvm
        loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
        json_text = jvm.java.lang.Class.forName("ddbsnap.JsonText", True, loader).newInstance()
        digits = jvm.java.lang.Class.forName("ddbsnap.JsonText$Digits", True, loader)
        types = jvm.org.apache.spark.sql.types.DataTypes
        # UDFRegistration.register(name, UDFn, DataType): registerJavaFunction would want the
        # generic signature, which Janino does not write.
        udf = spark._jsparkSession.udf()
        udf.register(JSON_TEXT, json_text, types.BinaryType)
        for name, integer in ((INTEGER_DIGITS, True), (FRACTION_DIGITS, False)):
            constructor = digits.getConstructors()[0]
            function = constructor.newInstance(_java_array(spark, [integer]))
            udf.register(name, function, types.LongType)
    except Exception as error:
        LOG.warning("JSON text in Python: the JVM function could not be compiled (%s)", error)
        return False
    _registered.add(application)
    return True
