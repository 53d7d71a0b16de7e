using CaiEvents.Contracts;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Pure maths of labels read from a chat-completions server's top log-probabilities: which token strings count for an option,
/// the probability mass on each option, and the finite log-probability recorded for it.
/// </summary>
/// <remarks>
/// <para>The token rule: a token counts for option key <c>k</c> when its text, trimmed of whitespace, then stripped of one leading
/// <c>(</c> and one trailing <c>)</c>, equals <c>k</c> (ordinal). For key <c>A</c>: <c>A</c>, <c> A</c>, <c>(A</c>, <c> (A</c>,
/// <c>A)</c>, <c>(A)</c> count; <c>a</c>, <c>AB</c>, <c>((A</c> do not. Tokenizers differ in whether the space and the
/// parenthesis are their own tokens, so every split of <c>" (A)"</c> that starts the answer is accepted.</para>
/// <para>An option's mass is the sum of the probabilities of the listed tokens that count for it (distinct tokens are disjoint
/// events). When the server could not continue a prefill that ends in <c>(</c>, two positions are read: the mass at position 0
/// plus, when the token generated at position 0 is the opening itself (e.g. <c>(</c> or <c> (</c>), P(opening) times the
/// mass at position 1 — the chain rule P(<c>(</c>)·P(key | <c>(</c>).</para>
/// <para>Events hold finite numbers only, so an option with no mass gets <see cref="FloorLogProb"/>, and non-finite
/// log-probabilities a server sends (<c>-Infinity</c>) are recorded as that floor and carry no probability.</para>
/// </remarks>
public static class TopLogProbOptions
{
    /// <summary>
    /// The log-probability recorded for an option absent from the top list (and for non-finite values received): −100, i.e.
    /// e^−100 ≈ 3.7·10^−44, far below any probability a server lists, so an absent option beside a listed one normalises to ~0.
    /// It is a floor, not an estimate: the Labeller's mass threshold decides whether such a judgement stands.
    /// </summary>
    public const double FloorLogProb = -100.0;

    /// <summary>The key a token or continuation names: trimmed of whitespace, then one leading '(' and one trailing ')' removed.</summary>
    public static string Key(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (start, length) = KeySpan(text);
        return text.Substring(start, length);
    }

    /// <summary>True when <paramref name="token"/> counts for option <paramref name="key"/> (see the token rule).</summary>
    public static bool CountsFor(string token, string key)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(key);
        return key.Length > 0 && string.Equals(Key(token), key, StringComparison.Ordinal);
    }

    /// <summary>
    /// The options' keys and shared prefix, e.g. <c>[" (A)", " (B)"]</c> → prefix <c>" ("</c>, keys <c>["A", "B"]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A continuation names no key, or two name the same key.</exception>
    public static OptionKeys Split(IReadOnlyList<string> continuations)
    {
        ArgumentNullException.ThrowIfNull(continuations);
        if (continuations.Count == 0) return new OptionKeys("", []);
        var keys = new List<string>(continuations.Count);
        string? prefix = null;
        foreach (var continuation in continuations)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            var (start, length) = KeySpan(continuation);
            if (string.IsNullOrWhiteSpace(continuation.Substring(start, length)))
                throw new ArgumentException($"Option '{continuation}' names no key (scoring by top log-probabilities needs options such as ' (A)').");
            var key = continuation.Substring(start, length);
            if (keys.Contains(key, StringComparer.Ordinal))
                throw new ArgumentException($"Two options name the key '{key}'; top log-probabilities cannot tell them apart.");
            keys.Add(key);
            var before = continuation[..start];
            prefix = prefix is null ? before : CommonPrefix(prefix, before);
        }
        return new OptionKeys(prefix ?? "", keys);
    }

    /// <summary>The probability of a log-probability; 0 for non-finite values and for values at or below the floor.</summary>
    public static double Probability(double logProb) =>
        double.IsFinite(logProb) && logProb > FloorLogProb ? Math.Exp(Math.Min(logProb, 0.0)) : 0.0;

    /// <summary>Sum of the probabilities of the entries that count for <paramref name="key"/>.</summary>
    public static double Mass(IEnumerable<TopLogProb> entries, string key)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return entries.Where(e => CountsFor(e.Token, key)).Sum(e => Probability(e.LogProb));
    }

    /// <summary>
    /// Each key's mass from position 0's entries and, when <paramref name="chosenFirst"/> (the token generated at position 0) is
    /// <paramref name="opening"/> (compared trimmed; e.g. <c>(</c>), from position 1's entries times P(<paramref name="chosenFirst"/>).
    /// </summary>
    public static IReadOnlyList<double> OptionMasses(IReadOnlyList<string> keys, IReadOnlyList<TopLogProb> first,
        TopLogProb? chosenFirst = null, string opening = "", IReadOnlyList<TopLogProb>? second = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(first);
        var openingUsed = UsesSecondPosition(chosenFirst, opening) && second is not null;
        var pOpening = openingUsed ? Probability(chosenFirst!.LogProb) : 0.0;
        return keys.Select(k => Math.Min(1.0, Mass(first, k) + (openingUsed ? pOpening * Mass(second!, k) : 0.0))).ToList();
    }

    /// <summary>True when the token generated at position 0 is the opening (trimmed, non-empty), so position 1 holds the keys.</summary>
    public static bool UsesSecondPosition(TopLogProb? chosenFirst, string opening)
    {
        ArgumentNullException.ThrowIfNull(opening);
        var trimmed = opening.Trim();
        return chosenFirst is not null && trimmed.Length > 0 && string.Equals(chosenFirst.Token.Trim(), trimmed, StringComparison.Ordinal);
    }

    /// <summary>log(<paramref name="mass"/>), never below <see cref="FloorLogProb"/> (so 0 gives the floor).</summary>
    public static double LogProbOrFloor(double mass) =>
        mass > 0 && double.IsFinite(mass) ? Math.Max(Math.Log(Math.Min(mass, 1.0)), FloorLogProb) : FloorLogProb;

    /// <summary>A received log-probability as an event can hold it: non-finite values become <see cref="FloorLogProb"/>.</summary>
    public static double Recordable(double logProb) => double.IsFinite(logProb) ? logProb : FloorLogProb;

    private static (int Start, int Length) KeySpan(string text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        if (start < end && text[start] == '(') start++;
        if (end > start && text[end - 1] == ')') end--;
        return (start, end - start);
    }

    private static string CommonPrefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return a[..n];
    }
}
