namespace CaiEvents.Models.Remote;

/// <summary>
/// Turns the logprobs of an <c>echo=true</c> completion of <c>prompt + continuation</c> into the
/// continuation's score.
/// </summary>
/// <remarks>
/// <para>The echoed tokens cover the whole text; the last <c>usage.completion_tokens</c> entries (or, without
/// usage, the number of tokens asked for) are newly generated and ignored.</para>
/// <para>The continuation is anchored at the END of the echoed text: it spans
/// <c>[end - length(continuation), end)</c>, where <c>end</c> is the offset just after the last echoed token
/// and lengths count Unicode code points, as Python servers (vLLM) count <c>text_offset</c>. Anchoring at the
/// end keeps the boundary right when the server echoes text the client did not send in front of the prompt
/// (for example a BOS token such as <c>&lt;s&gt;</c> that shifts every offset).</para>
/// <para>A token counts towards the continuation when it holds at least one continuation character: tokens
/// that lie entirely inside the prompt (including one that ends exactly at the boundary) are excluded; a
/// token that straddles the boundary (the tokenizer merged the prompt's last characters with the
/// continuation's first, e.g. prompt ending in a space and continuation "Yes" as one token " Yes") is
/// included, because its log-probability is the only one that covers those continuation characters.</para>
/// </remarks>
internal static class EchoScoring
{
    public static ContinuationScore Score(string continuation, CompletionResponseBody response, int requestedNewTokens, Func<string, Exception> fail)
    {
        const string NoEcho = "the server does not support echo=true with logprobs on /v1/completions, which scoring needs";
        var logProbs = response.Choices is { Count: > 0 } choices ? choices[0].LogProbs : null;
        var values = logProbs?.TokenLogProbs;
        var offsets = logProbs?.TextOffset;
        var tokens = logProbs?.Tokens;
        if (values is null || offsets is null || values.Count == 0)
            throw fail($"the response has no logprobs.token_logprobs/text_offset; {NoEcho}");
        if (offsets.Count != values.Count || (tokens is not null && tokens.Count != values.Count))
            throw fail("logprobs.tokens, token_logprobs and text_offset differ in length "
                + $"({tokens?.Count.ToString() ?? "-"}, {values.Count}, {offsets.Count})");

        var count = values.Count;
        var generated = Math.Clamp(response.Usage?.CompletionTokens ?? requestedNewTokens, 0, count);
        var echoed = count - generated;
        var promptTokens = response.Usage?.PromptTokens;
        if (echoed < 1 || (promptTokens is > 0 && echoed < promptTokens))
            throw fail($"the response holds log-probabilities for {echoed} echoed tokens of "
                + $"{promptTokens?.ToString() ?? "an unknown number of"} prompt tokens; {NoEcho}");

        for (var i = 1; i <= Math.Min(echoed, count - 1); i++)
        {
            if (offsets[i] < offsets[i - 1])
                throw fail($"logprobs.text_offset decreases at token {i} ({offsets[i - 1]} then {offsets[i]})");
        }

        int end;
        if (generated > 0)
        {
            end = offsets[echoed];
        }
        else if (tokens is not null)
        {
            end = offsets[echoed - 1] + CodePoints(tokens[echoed - 1]);
        }
        else
        {
            throw fail("the response has no logprobs.tokens, so the end of the echoed text is unknown");
        }

        var boundary = end - CodePoints(continuation);
        if (boundary < offsets[0])
            throw fail($"the echoed text ({end - offsets[0]} characters) is shorter than the continuation; {NoEcho}");

        var scores = new List<double>();
        var total = 0.0;
        for (var i = 0; i < echoed; i++)
        {
            var tokenEnd = i + 1 < echoed ? offsets[i + 1] : end;
            if (tokenEnd <= boundary) continue; // entirely inside the prompt
            var value = values[i]
                ?? throw fail($"token {i} of the continuation has no log-probability (the first token of a text has none: give a non-empty prompt)");
            scores.Add(value);
            total += value;
        }
        return new ContinuationScore(continuation, total, scores);
    }

    public static int CodePoints(string text)
    {
        var n = 0;
        foreach (var _ in text.EnumerateRunes()) n++;
        return n;
    }
}
