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

    /// <summary>
    /// The last <paramref name="budget"/> ids of <paramref name="ids"/> (all of them when they fit). A leading
    /// <see cref="ITextTokenizer.BeginOfTextId"/> stays in front when the rest is cut, as the model was trained to see it.
    /// </summary>
    public static int[] KeepLast(this ITextTokenizer tokenizer, int[] ids, int budget)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(budget);
        if (ids.Length <= budget)
        {
            return ids;
        }
        return budget > 1 && tokenizer.BeginOfTextId is { } begin && ids[0] == begin ? [begin, .. ids[^(budget - 1)..]] : ids[^budget..];
    }
}
