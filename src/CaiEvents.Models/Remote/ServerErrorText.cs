using System.Text.Json;

namespace CaiEvents.Models.Remote;

internal static class ServerErrorText
{
    /// <summary>
    /// The human part of an error body: OpenAI's <c>{"error":{"message":…}}</c>, vLLM's <c>{"message":…}</c>,
    /// <c>{"error":"…"}</c>, or the raw text; one line, at most 300 characters.
    /// </summary>
    public static string Extract(string body)
    {
        var text = body;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                        text = m.GetString()!;
                    else if (error.ValueKind == JsonValueKind.String)
                        text = error.GetString()!;
                }
                else if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    text = message.GetString()!;
                }
                else if (root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
                {
                    text = detail.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // not JSON: keep the raw text
        }
        return OneLine(text, 300);
    }

    public static string OneLine(string text, int max)
    {
        var line = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (line.Length == 0) return "(empty body)";
        return line.Length <= max ? line : line[..max] + "…";
    }
}
