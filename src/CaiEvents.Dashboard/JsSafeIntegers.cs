using System.Text.Json;
using System.Text.Json.Serialization;

namespace CaiEvents.Dashboard;

/// <summary>
/// Writes 64-bit integers beyond JavaScript's exact range (±(2^53 − 1)) as strings, so seeds reach the page
/// digit for digit; smaller values stay numbers.
/// </summary>
public sealed class JsSafeIntegers : JsonConverter<long>
{
    private const long MaxExact = (1L << 53) - 1;

    public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? long.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : reader.GetInt64();

    public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options)
    {
        if (value is >= -MaxExact and <= MaxExact) writer.WriteNumberValue(value);
        else writer.WriteStringValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
