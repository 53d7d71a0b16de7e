using CaiEvents.Contracts;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// The generation loop of a causal language model: the requests run as one left-padded batch (an attention mask keeps
/// padding out of the real rows), with a KV cache so each step feeds one new token, and each row samples in managed code
/// with its own <see cref="Random"/> seeded from its request, so (prompt, sampling parameters, seed) gives the same text
/// alone or in a batch on CPU. Rows stop at one of the tokenizer's stop ids, a stop sequence or their token budget. Call it on the
/// <see cref="TorchThread"/>.
/// </summary>
internal sealed class CausalLmGenerator(ICausalLanguageModel model, ITextTokenizer tokenizer)
{
    private sealed record Row(int[] Prompt, int MaxNew, SamplingParameters Sampling, Random Rng, string[] Stops);

    /// <summary>
    /// Generates from already-tokenized prompts. <paramref name="useKvCache"/> false recomputes the whole sequence every
    /// step (for benchmarks and tests); <paramref name="stopAtEndOfText"/> false lets rows run on past the stop ids.
    /// </summary>
    public List<GeneratedSequence> Generate(
        IReadOnlyList<(int[] PromptIds, GenerationRequest Request)> requests, bool useKvCache, bool stopAtEndOfText,
        CancellationToken cancellationToken) =>
        Generate(requests.Select(r => PrepareRow(r.PromptIds, r.Request)).ToList(), useKvCache, stopAtEndOfText, cancellationToken);

    /// <summary>Caps MaxNewTokens to the context and left-truncates the prompt to make room for them.</summary>
    private Row PrepareRow(int[] promptIds, GenerationRequest request)
    {
        var maxNew = Math.Clamp(request.Sampling.MaxNewTokens, 0, model.ContextLength - 1);
        var prompt = promptIds.Length == 0 ? [tokenizer.EndOfTextId] : promptIds;
        var budget = model.ContextLength - maxNew;
        prompt = tokenizer.KeepLast(prompt, budget);
        var stops = (request.Sampling.StopSequences ?? []).Where(s => !string.IsNullOrEmpty(s)).ToArray();
        return new Row(prompt, maxNew, request.Sampling, SamplingMath.RowRandom(request.Seed), stops);
    }

    private List<GeneratedSequence> Generate(List<Row> rows, bool useKvCache, bool stopAtEndOfText, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        int batch = rows.Count, promptWidth = rows.Max(r => r.Prompt.Length), steps = rows.Max(r => r.MaxNew);
        var width = promptWidth + steps;
        var eos = tokenizer.EndOfTextId;
        var stopIds = tokenizer.StopIds;
        var vocabLimit = tokenizer.VocabCount; // never sample ids the tokenizer cannot decode (padded vocabularies)
        var tokens = rows.Select(_ => new List<int>()).ToArray();
        var logProbs = rows.Select(_ => new List<double>()).ToArray();
        var stops = rows.Select(r => r.MaxNew == 0 ? GenerationStop.MaxNewTokens : (GenerationStop?)null).ToArray();
        var texts = new string?[batch];

        // Left padding: row b's prompt ends at column promptWidth - 1; columns after it are generated.
        var idsHost = new long[batch * width];
        var maskHost = new long[batch * width];
        for (var b = 0; b < batch; b++)
        {
            var pad = promptWidth - rows[b].Prompt.Length;
            for (var c = 0; c < width; c++)
            {
                idsHost[b * width + c] = c < pad ? eos : c < promptWidth ? rows[b].Prompt[c - pad] : eos;
                maskHost[b * width + c] = c < pad ? 0 : 1;
            }
        }
        var padded = rows.Any(r => r.Prompt.Length != promptWidth);

        EvalMode.Run(model, () =>
        {
            using var outer = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = tensor(idsHost, [batch, width], device: model.Device);
            var mask = padded ? tensor(maskHost, [batch, width], device: model.Device) : null;
            using var cache = useKvCache && steps > 0 ? model.CreateKvCache(batch, width) : null;
            var vocab = model.VocabSize;
            for (var length = promptWidth; stops.Any(s => s is null); length++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                float[] logits;
                using (var step = NewDisposeScope())
                {
                    // With a cache only the tokens it has not seen go in: the whole prompt first, then one.
                    var start = cache?.Length ?? 0;
                    var hidden = model.HiddenStates(ids.narrow(1, start, length - start), mask?.narrow(1, 0, length), cache);
                    var last = model.Logits(hidden.narrow(1, hidden.shape[1] - 1, 1)).reshape(batch, vocab);
                    logits = last.to(ScalarType.Float32).cpu().data<float>().ToArray();
                }
                var next = new long[batch];
                for (var b = 0; b < batch; b++)
                {
                    next[b] = eos;
                    if (stops[b] is not null)
                    {
                        continue; // finished rows ride along; their outputs are ignored
                    }
                    var row = logits.AsSpan(b * vocab, vocab);
                    var token = SamplingMath.Sample(row[..vocabLimit], rows[b].Sampling, rows[b].Rng);
                    next[b] = token;
                    tokens[b].Add(token);
                    logProbs[b].Add(SamplingMath.LogSoftmaxAt(row, token));
                    if (stopAtEndOfText && stopIds.Contains(token))
                    {
                        stops[b] = GenerationStop.EndOfText;
                    }
                    else if (rows[b].Stops.Length > 0 && SamplingMath.TextBeforeStop(DecodeText(tokens[b]), rows[b].Stops) is { } text)
                    {
                        texts[b] = text;
                        stops[b] = GenerationStop.StopSequence;
                    }
                    else if (tokens[b].Count >= rows[b].MaxNew)
                    {
                        stops[b] = GenerationStop.MaxNewTokens;
                    }
                }
                if (length < width && stops.Any(s => s is null))
                {
                    using var step = NewDisposeScope();
                    ids.narrow(1, length, 1).copy_(tensor(next, [batch, 1], device: model.Device));
                }
            }
            return true;
        });

        return rows.Select((r, b) =>
        {
            var text = texts[b] ?? DecodeText(stops[b] == GenerationStop.EndOfText ? tokens[b].SkipLast(1) : tokens[b]);
            return new GeneratedSequence(r.Prompt, tokens[b], logProbs[b], text, stops[b]!.Value);
        }).ToList();
    }

    /// <summary>
    /// Generated text: a NUL byte token becomes U+FFFD, because PostgreSQL text and jsonb (the event
    /// store) reject U+0000, and an untrained byte-level model emits it now and then.
    /// </summary>
    private string DecodeText(IEnumerable<int> ids) => StorableText.From(tokenizer.Decode(ids));
}
