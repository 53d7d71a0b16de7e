using System.Text;

namespace CaiEvents.Application.ModelManagement;

/// <summary>The prompts <c>cai model compare</c> runs both models on: built-in lines, or a file with one prompt per line.</summary>
public static class ComparisonPrompts
{
    /// <summary>Plain text and the hard cases of tokenizers: repeated/leading/trailing spaces, newlines, digits, emoji, CJK, accents.</summary>
    public static IReadOnlyList<string> Default { get; } =
    [
        "The quick brown fox jumps over the lazy dog.",
        "  leading spaces, double  spaces and trailing ones   ",
        "line one\nline two\n\nafter a blank line",
        "digits 0123456789, 3.14159 and 1,000,000",
        "emoji 🙂🚀, CJK 漢字かな, accents café naïve Ångström",
    ];

    /// <summary>One prompt per line of <paramref name="path"/> (UTF-8; a trailing '\r' is dropped; blank lines are skipped).</summary>
    /// <exception cref="UsageException">A missing file, invalid UTF-8 (naming the line) or no prompt at all.</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new UsageException($"{path}: file not found");
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var bytes = File.ReadAllBytes(path);
        var prompts = new List<string>();
        var start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        for (var line = 1; start <= bytes.Length; line++)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0) end = bytes.Length;
            string text;
            try
            {
                text = strict.GetString(bytes, start, end - start).TrimEnd('\r');
            }
            catch (DecoderFallbackException e)
            {
                var bad = e.BytesUnknown is { Length: > 0 } unknown ? $" (byte 0x{unknown[0]:X2})" : "";
                throw new UsageException($"{path}:{line}: invalid UTF-8{bad}");
            }
            if (!string.IsNullOrWhiteSpace(text)) prompts.Add(text);
            start = end + 1;
        }
        return prompts.Count > 0 ? prompts : throw new UsageException($"{path}: no prompts found");
    }
}
