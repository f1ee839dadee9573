"""Small Java UDFs the Spark jobs compile when they start, with the Janino compiler Spark itself
ships (Spark generates and compiles its own code with it), and add to the session as a jar.
Nothing is built or uploaded beside the job's Python modules.

- ddbsnap_json_text(type, raw): item_types.to_json_text of a value from its DynamoDB type and the
  raw text Spark's JSON reader gives (JSON text for SS, NS, BS, M and L). Spark has no expression
  that sorts a map's keys at every level of nesting; unrolled into SQL it measured slower than
  even a Python UDF (docs/performance.md), and a Python UDF sends every value to a Python worker.
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

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;

/** The canonical JSON text of a DynamoDB value from its type and raw JSON text. */
public class JsonText implements org.apache.spark.sql.api.java.UDF2 {
    private static final JsonFactory JSON = new JsonFactory();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** The type and the raw text as Spark's JSON reader gives them: JSON text for SS, NS, BS,
     * M and L, the value itself for the scalar types. */
    public Object call(Object type, Object raw) throws Exception {
        if (type == null || raw == null) return null;
        String t = (String) type;
        String text = (String) raw;
        if (t.equals("S") || t.equals("B") || t.equals("N") || t.equals("BOOL")
                || t.equals("NULL")) {
            StringBuilder out = new StringBuilder();
            if (t.equals("N")) out.append(number(text));
            else if (t.equals("BOOL")) out.append(text);
            else if (t.equals("NULL")) out.append("null");
            else quote(text, out);
            return out.toString();
        }
        JsonParser parser = JSON.createParser(text);
        try {
            parser.nextToken();
            StringBuilder out = new StringBuilder(text.length());
            value(t, parser, out);
            return out.toString();
        } finally {
            parser.close();
        }
    }

    /** One value of DynamoDB type t; the parser is on its first token. */
    static void value(String t, JsonParser p, StringBuilder out) throws Exception {
        if (t.equals("S") || t.equals("B")) {
            quote(p.getText(), out);
        } else if (t.equals("N")) {
            out.append(number(p.getText()));
        } else if (t.equals("BOOL")) {
            out.append(p.getCurrentToken() == JsonToken.VALUE_TRUE ? "true" : "false");
        } else if (t.equals("NULL")) {
            out.append("null");
        } else if (t.equals("L")) {
            out.append('[');
            boolean first = true;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (!first) out.append(',');
                first = false;
                typed(p, out);
            }
            out.append(']');
        } else if (t.equals("M")) {
            ArrayList entries = new ArrayList();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.getCurrentName();
                p.nextToken();
                StringBuilder text = new StringBuilder();
                typed(p, text);
                entries.add(new String[] {key, text.toString()});
            }
            Object[] sorted = entries.toArray();
            Arrays.sort(sorted, new Comparator() {
                public int compare(Object a, Object b) {
                    return codePoints(((String[]) a)[0], ((String[]) b)[0]);
                }
            });
            out.append('{');
            for (int i = 0; i < sorted.length; i++) {
                if (i > 0) out.append(',');
                String[] entry = (String[]) sorted[i];
                quote(entry[0], out);
                out.append(':').append(entry[1]);
            }
            out.append('}');
        } else if (t.equals("SS") || t.equals("BS") || t.equals("NS")) {
            ArrayList members = new ArrayList();
            final boolean numbers = t.equals("NS");
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String member = p.getText();
                // A number is read once, not at every comparison; the sort is stable, as
                // Python's sorted(key=Decimal) is, so equal numbers keep their order.
                members.add(numbers ? new Object[] {new BigDecimal(member), member} : member);
            }
            Object[] sorted = members.toArray();
            Arrays.sort(sorted, new Comparator() {
                public int compare(Object a, Object b) {
                    if (!numbers) return codePoints((String) a, (String) b);
                    return ((BigDecimal) ((Object[]) a)[0]).compareTo(
                        (BigDecimal) ((Object[]) b)[0]);
                }
            });
            out.append('[');
            for (int i = 0; i < sorted.length; i++) {
                if (i > 0) out.append(',');
                if (numbers) out.append(number((String) ((Object[]) sorted[i])[1]));
                else quote((String) sorted[i], out);
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("not a DynamoDB type: " + t);
        }
    }

    /** A value in DynamoDB JSON, {"<type>": <value>}; the parser is on its START_OBJECT. */
    static void typed(JsonParser p, StringBuilder out) throws Exception {
        if (p.getCurrentToken() != JsonToken.START_OBJECT
                || p.nextToken() != JsonToken.FIELD_NAME) {
            throw new IllegalArgumentException("not a DynamoDB value: " + p.getCurrentToken());
        }
        String t = p.getCurrentName();
        p.nextToken();
        value(t, p, out);
        if (p.nextToken() != JsonToken.END_OBJECT) {
            throw new IllegalArgumentException("a DynamoDB value with more than one type");
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

    /** json.dumps(s, ensure_ascii=False). */
    static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 15]);
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
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

    /** Python's order of strings: by code point (String.compareTo compares UTF-16 units). */
    static int codePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) return x < y ? -1 : 1;
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        if (i < a.length()) return 1;
        return j < b.length() ? -1 : 0;
    }
}
"""

_registered: set[str] = set()


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
        udf.register(JSON_TEXT, json_text, types.StringType)
        for name, integer in ((INTEGER_DIGITS, True), (FRACTION_DIGITS, False)):
            constructor = digits.getConstructors()[0]
            function = constructor.newInstance(_java_array(spark, [integer]))
            udf.register(name, function, types.LongType)
    except Exception as error:
        LOG.warning("JSON text in Python: the JVM function could not be compiled (%s)", error)
        return False
    _registered.add(application)
    return True
