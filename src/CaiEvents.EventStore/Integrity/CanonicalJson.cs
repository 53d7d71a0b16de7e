using System.Buffers;
using System.Numerics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CaiEvents.EventStore.Integrity;

/// <summary>
/// One canonical byte form of a JSON document, so that the same event hashes the same whether it is read from
/// our serializer's output or from PostgreSQL's <c>jsonb</c> (which reorders keys, drops insignificant whitespace
/// and rewrites numbers, e.g. <c>1E-05</c> as <c>0.00001</c>). Object keys are sorted by ordinal comparison,
/// strings are re-escaped one fixed way, and every number is written exactly as a decimal mantissa and exponent
/// (<c>1e-5</c>, <c>42e0</c>), computed from its digits without going through floating point, so no digit is lost.
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    public static byte[] Canonicalize(string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            Write(document.RootElement, writer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(property.Value, writer);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) Write(item, writer);
                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(Number(element.GetRawText()), skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    /// <summary>A JSON number as <c>[-]digits e exponent</c> with no leading or trailing zeros in the digits (zero is <c>0e0</c>).</summary>
    public static string Number(string raw)
    {
        var negative = raw.StartsWith('-');
        var body = negative ? raw[1..] : raw;
        var exponentAt = body.IndexOfAny(['e', 'E']);
        var exponent = exponentAt < 0
            ? BigInteger.Zero
            : BigInteger.Parse(body[(exponentAt + 1)..].TrimStart('+'), System.Globalization.CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? body : body[..exponentAt];
        var point = mantissa.IndexOf('.');
        var digits = point < 0 ? mantissa : mantissa[..point] + mantissa[(point + 1)..];
        if (point >= 0) exponent -= mantissa.Length - point - 1;
        digits = digits.TrimStart('0');
        if (digits.Length == 0) return "0e0";
        var trimmed = digits.TrimEnd('0');
        exponent += digits.Length - trimmed.Length;
        var sb = new StringBuilder(trimmed.Length + 8);
        if (negative) sb.Append('-');
        sb.Append(trimmed).Append('e').Append(exponent.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
