using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaiEvents.Models.Llama;

/// <summary>Typed reads of HF JSON files (config.json, generation_config.json) with one-line errors naming the file and field.</summary>
internal static class JsonFields
{
    public static JsonObject ParseObject(string json, string source)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new CheckpointFormatException(source, null, "content is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(source, null, $"invalid JSON ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    /// <summary>The value of <paramref name="key"/>, or <paramref name="fallback"/> when it is absent or null.</summary>
    public static T Get<T>(JsonObject root, string key, T fallback, string source)
    {
        var node = root[key];
        if (node is null)
        {
            return fallback;
        }
        try
        {
            var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
            // Integral values written as 1.0 by some tools still bind to int.
            if (target == typeof(int))
            {
                var d = node.GetValue<double>();
                if (d != Math.Floor(d) || d is < int.MinValue or > int.MaxValue)
                {
                    throw new FormatException();
                }
                return (T)(object)(int)d;
            }
            if (target == typeof(double))
            {
                return (T)(object)node.GetValue<double>();
            }
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            var expected = (Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T)).Name switch
            {
                "Int32" => "an integer",
                "Double" => "a number",
                "Boolean" => "true or false",
                "String" => "a string",
                var other => other,
            };
            throw new CheckpointFormatException(source, null, $"field '{key}' has value {node.ToJsonString()}, expected {expected}");
        }
    }

    /// <summary>An int, a list of ints, or absent/null (empty list), as HF writes <c>eos_token_id</c>.</summary>
    public static IReadOnlyList<int> IntOrList(JsonObject root, string key, string source)
    {
        var node = root[key];
        if (node is null)
        {
            return [];
        }
        if (node is JsonArray array)
        {
            var ids = new List<int>();
            foreach (var item in array)
            {
                if (item is not JsonValue value || !value.TryGetValue<double>(out var d) || d != Math.Floor(d) || d is < int.MinValue or > int.MaxValue)
                {
                    throw new CheckpointFormatException(source, null, $"field '{key}' has value {node.ToJsonString()}, expected an integer or a list of them");
                }
                ids.Add((int)d);
            }
            return ids;
        }
        if (node is JsonValue single && single.TryGetValue<double>(out var one) && one == Math.Floor(one) && one is >= int.MinValue and <= int.MaxValue)
        {
            return [(int)one];
        }
        throw new CheckpointFormatException(source, null, $"field '{key}' has value {node.ToJsonString()}, expected an integer or a list of them");
    }

    /// <summary>One id as an int, several as a list, none as null (how HF writes <c>eos_token_id</c>).</summary>
    public static JsonNode? IntOrListNode(IReadOnlyList<int>? ids) => ids switch
    {
        null or { Count: 0 } => null,
        { Count: 1 } => JsonValue.Create(ids[0]),
        _ => new JsonArray(ids.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()),
    };
}
