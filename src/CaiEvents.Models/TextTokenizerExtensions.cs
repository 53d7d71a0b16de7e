namespace CaiEvents.Models;

/// <summary>How text becomes a prompt for a local model, the same way for generation, scoring and training.</summary>
public static class TextTokenizerExtensions
{
    /// <summary>
    /// Ids of <paramref name="text"/> as the start of a sequence: <see cref="ITextTokenizer.BeginOfTextId"/> first when the
    /// tokenizer has one (Llama's <c>&lt;s&gt;</c>), otherwise exactly <see cref="ITextTokenizer.Encode"/> (GPT-2).
    /// </summary>
    public static int[] EncodePrompt(this ITextTokenizer tokenizer, string text)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var ids = tokenizer.Encode(text);
        return tokenizer.BeginOfTextId is { } begin ? [begin, .. ids] : ids;
    }
}
