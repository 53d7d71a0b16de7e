using System.Security.Cryptography;
using System.Text;
using CaiEvents.Models.Comparison;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;

namespace CaiEvents.Models.Gguf;

/// <summary>
/// A GGUF model run in-process by llama.cpp (LLamaSharp, CPU backend): model id <c>gguf:/path/file.gguf</c>. llama.cpp
/// tokenizes (special tokens parsed) and computes logits; sampling and scoring are done here in managed code with
/// <see cref="SamplingMath"/>, so a request gives the same text as a TorchSharp model with the same logits. The KV cache
/// is kept in F32 and flash attention is off so the logits are as close to exact float32 as llama.cpp gets. Requests run
/// one at a time.
/// </summary>
public sealed class LlamaCppTextModel : ITextModel, IModelProbe
{
    public const string Scheme = "gguf:";

    /// <summary>Default context when the file's training context is longer (the KV cache is allocated up front).</summary>
    public const int DefaultMaxContext = 4096;

    /// <summary>Default for the most tokens decoded in one llama.cpp batch.</summary>
    public const int DefaultBatchTokens = 512;

    private readonly LLamaWeights weights;
    private readonly LLamaContext context;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly LLamaBatch batch = new();
    private readonly int eosId;
    private readonly int batchTokens;
    private readonly int sequences;
    private bool disposed;

    private LlamaCppTextModel(string modelId, string path, int threads, int contextSize, int maxBatchTokens, string? chatTemplate, int sequences)
    {
        // Read (and the template recognised) before llama.cpp loads anything, so an unrecognised template costs no weights.
        ChatTemplate = GgufChatTemplate.From(GgufReader.ReadHeader(path), chatTemplate);
        this.sequences = sequences;
        LlamaCppNative.EnsureQuiet();
        var parameters = new ModelParams(path)
        {
            GpuLayerCount = 0,
            Threads = threads,
            BatchThreads = threads,
            LoadMode = LLamaLoadMode.None,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
        weights = LLamaWeights.LoadFromFile(parameters);
        int size;
        try
        {
            var trained = weights.ContextSize;
            size = contextSize > 0 ? contextSize : Math.Min(trained > 0 ? trained : DefaultMaxContext, DefaultMaxContext);
            parameters.ContextSize = (uint)size;
            batchTokens = Math.Min(size, maxBatchTokens > 0 ? maxBatchTokens : DefaultBatchTokens);
            parameters.BatchSize = (uint)batchTokens;
            parameters.UBatchSize = (uint)batchTokens;
            if (sequences > 1)
            {
                // One KV buffer shared by all sequences, so the context size is the sequences' total, as GreedyBatch checks it.
                parameters.SeqMax = (uint)sequences;
                parameters.KVUnified = true;
            }
            context = weights.CreateContext(parameters);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
        // llama.cpp rounds the allocation up (to a multiple of 256); prompts are still truncated to the size asked for.
        ContextLength = Math.Min((int)context.ContextSize, size);
        VocabSize = weights.Vocab.Count;
        var vocab = weights.Vocab;
        BeginOfTextId = vocab.ShouldAddBOS && vocab.BOS is { } bos ? (int)bos : null;
        eosId = vocab.EOS is { } eos ? (int)eos : 0;
        string sha;
        using (var stream = File.OpenRead(path))
        {
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        Identity = new ModelIdentity(modelId, sha);
    }

    public ModelIdentity Identity { get; }

    public string Name => Identity.ModelId;

    /// <summary>CPU threads llama.cpp decodes with, as its context reports them.</summary>
    public int Threads => (int)context.GenerationThreads;

    /// <summary>Positions one sequence may hold (the context allocated for this model).</summary>
    public int ContextLength { get; }

    /// <summary>Width of the logits: the file's vocabulary.</summary>
    public int VocabSize { get; }

    public int? BeginOfTextId { get; }

    /// <summary>
    /// The file's <c>tokenizer.chat_template</c> (<see cref="GgufChatTemplate"/>), or the family named at load; null for a base model.
    /// </summary>
    public Chat.ChatTemplate? ChatTemplate { get; }

    /// <summary>Loads <c>gguf:PATH</c> (or a bare path) with the process's llama.cpp settings (<see cref="ModelOptions.LlamaCpp"/>).</summary>
    /// <exception cref="ArgumentException">A negative setting.</exception>
    /// <exception cref="CheckpointFormatException">Missing or malformed file, or llama.cpp refuses it.</exception>
    /// <exception cref="Chat.ChatTemplateException">The file's template is not recognised, or <paramref name="chatTemplate"/> is unknown.</exception>
    public static LlamaCppTextModel Load(string modelId, LlamaCppOptions options, string? chatTemplate = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Load(modelId, options.Threads, options.ContextSize, options.BatchTokens, chatTemplate);
    }

    /// <summary>Loads <c>gguf:PATH</c> (or a bare path).</summary>
    /// <param name="threads">llama.cpp threads; 0 = one per processor.</param>
    /// <param name="contextSize">Positions to allocate; 0 = the file's context, at most <see cref="DefaultMaxContext"/>.</param>
    /// <param name="batchTokens">Most tokens per llama.cpp batch (longer inputs are decoded in chunks); 0 = <see cref="DefaultBatchTokens"/>.</param>
    /// <param name="chatTemplate">A family (<see cref="Chat.ChatTemplates.Families"/>) used instead of the file's template, or null.</param>
    /// <param name="sequences">Sequences <see cref="GreedyBatch"/> may decode together (they share the context's positions).</param>
    /// <exception cref="CheckpointFormatException">Missing or malformed file, or llama.cpp refuses it.</exception>
    /// <exception cref="Chat.ChatTemplateException">The file's template is not recognised, or <paramref name="chatTemplate"/> is unknown.</exception>
    public static LlamaCppTextModel Load(
        string modelId, int threads = 0, int contextSize = 0, int batchTokens = 0, string? chatTemplate = null, int sequences = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequences);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        var path = modelId.StartsWith(Scheme, StringComparison.Ordinal) ? modelId[Scheme.Length..] : modelId;
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        LlamaCppNative.EnsureQuiet();
        LlamaCppNative.ClearRecent();
        try
        {
            return new LlamaCppTextModel(modelId.StartsWith(Scheme, StringComparison.Ordinal) ? modelId : Scheme + path, path,
                threads > 0 ? threads : Environment.ProcessorCount, contextSize, batchTokens, chatTemplate, sequences);
        }
        catch (LoadWeightsFailedException e)
        {
            throw new CheckpointFormatException(path, null, $"llama.cpp could not load it ({LlamaCppNative.RecentProblems()})", e);
        }
    }

    /// <inheritdoc/>
    public int[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Exclusive(() => TokenizeUnlocked(text));
    }

    /// <summary>Decodes ids to text (special tokens as their text); invalid UTF-8 becomes U+FFFD.</summary>
    public string Detokenize(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Exclusive(() => DetokenizeUnlocked(ids));
    }

    /// <inheritdoc/>
    public float[][] Logits(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Exclusive(() => LogitsUnlocked(ids));
    }

    /// <inheritdoc/>
    public int[] GreedyContinuation(IReadOnlyList<int> ids, int count)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Exclusive(() =>
        {
            var result = new int[count];
            var logits = Prefill(ids);
            for (var i = 0; i < count; i++)
            {
                result[i] = SamplingMath.ArgMax(logits);
                if (i + 1 < count)
                {
                    logits = Step(result[i], ids.Count + i);
                }
            }
            return result;
        });
    }

    /// <summary>
    /// Greedy continuations of <paramref name="count"/> tokens for several prompts decoded together (for benchmarks): prompt b
    /// is llama.cpp sequence b, and each step decodes the next token of every sequence in one llama.cpp batch. End-of-text
    /// does not stop a row. <paramref name="useKvCache"/> false clears the cache and decodes every whole sequence at each step.
    /// <paramref name="vocabLimit"/> (when positive) restricts the argmax to ids below it, as a tokenizer smaller than the
    /// weights' vocabulary restricts a TorchSharp model's sampling.
    /// </summary>
    /// <exception cref="ArgumentException">More prompts than the sequences the model was loaded with, or they do not fit the context.</exception>
    public int[][] GreedyBatch(IReadOnlyList<int[]> prompts, int count, bool useKvCache = true, int vocabLimit = 0)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (prompts.Count == 0 || prompts.Count > sequences)
        {
            throw new ArgumentException($"{prompts.Count} prompts, but this model was loaded for 1 to {sequences} sequences.", nameof(prompts));
        }
        if (prompts.Any(p => p is null || p.Length == 0))
        {
            throw new ArgumentException("Every prompt needs at least one token.", nameof(prompts));
        }
        return Exclusive(() =>
        {
            CheckFits(prompts.Sum(p => p.Length + count - 1));
            var rows = prompts.Select(p => new List<int>(p)).ToArray();
            var generated = prompts.Select(_ => new int[count]).ToArray();
            context.NativeHandle.MemoryClear(true);
            var logits = DecodeSequences(rows, new int[rows.Length]);
            for (var i = 0; i < count; i++)
            {
                for (var b = 0; b < rows.Length; b++)
                {
                    generated[b][i] = SamplingMath.ArgMax(vocabLimit > 0 ? logits[b].AsSpan(0, Math.Min(vocabLimit, logits[b].Length)) : logits[b]);
                    rows[b].Add(generated[b][i]);
                }
                if (i + 1 < count)
                {
                    if (!useKvCache)
                    {
                        context.NativeHandle.MemoryClear(true);
                    }
                    logits = DecodeSequences(rows, rows.Select(r => useKvCache ? r.Count - 1 : 0).ToArray());
                }
            }
            return generated;
        });
    }

    public async Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new List<GenerationResult>(requests.Count);
        foreach (var request in requests)
        {
            ArgumentNullException.ThrowIfNull(request, nameof(requests));
            ArgumentNullException.ThrowIfNull(request.Prompt, nameof(requests));
            ArgumentNullException.ThrowIfNull(request.Sampling, nameof(requests));
            results.Add(await ExclusiveAsync(() => Generate(request, cancellationToken), cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    public async Task<IReadOnlyList<ContinuationScore>> ScoreAsync(
        string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(continuations);
        return await ExclusiveAsync(() =>
        {
            var promptIds = PromptIds(prompt);
            var scores = new List<ContinuationScore>(continuations.Count);
            foreach (var continuation in continuations)
            {
                ArgumentNullException.ThrowIfNull(continuation, nameof(continuations));
                cancellationToken.ThrowIfCancellationRequested();
                var tokens = TokenizeUnlocked(continuation);
                if (tokens.Length >= ContextLength)
                {
                    throw new ArgumentException($"A continuation of {tokens.Length} tokens does not fit the context of {ContextLength}.");
                }
                // Left-truncate the prompt so prompt + continuation fit, as the TorchSharp scorer does.
                var kept = promptIds.Length + tokens.Length > ContextLength ? promptIds[^(ContextLength - tokens.Length)..] : promptIds;
                var sequence = kept.Concat(tokens).ToArray();
                var logits = tokens.Length == 0 ? [] : LogitsUnlocked(sequence, firstLogit: kept.Length - 1);
                var perToken = tokens.Select((t, j) => SamplingMath.LogSoftmaxAt(logits[j], t)).ToList();
                scores.Add(new ContinuationScore(continuation, perToken.Sum(), perToken));
            }
            return (IReadOnlyList<ContinuationScore>)scores;
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        gate.Wait();
        try
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            context.Dispose();
            weights.Dispose();
        }
        finally
        {
            gate.Release();
        }
    }

    private GenerationResult Generate(GenerationRequest request, CancellationToken cancellationToken)
    {
        var maxNew = Math.Clamp(request.Sampling.MaxNewTokens, 0, ContextLength - 1);
        var prompt = PromptIds(request.Prompt);
        var budget = ContextLength - maxNew;
        if (prompt.Length > budget)
        {
            prompt = prompt[^budget..];
        }
        var stops = (request.Sampling.StopSequences ?? []).Where(s => !string.IsNullOrEmpty(s)).ToArray();
        var rng = SamplingMath.RowRandom(request.Seed);
        var generated = new List<int>();
        string? cutText = null;
        var ended = false;
        if (maxNew > 0)
        {
            var logits = Prefill(prompt);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var token = SamplingMath.Sample(logits, request.Sampling, rng);
                generated.Add(token);
                if (IsEndOfGeneration(token))
                {
                    ended = true;
                    break;
                }
                if (stops.Length > 0 && SamplingMath.TextBeforeStop(DetokenizeUnlocked(generated), stops) is { } text)
                {
                    cutText = text;
                    break;
                }
                if (generated.Count >= maxNew)
                {
                    break;
                }
                logits = Step(token, prompt.Length + generated.Count - 1);
            }
        }
        var finalText = cutText ?? DetokenizeUnlocked(ended ? generated.SkipLast(1) : generated);
        return new GenerationResult(StorableText.From(finalText), prompt.Length, generated.Count);
    }

    private bool IsEndOfGeneration(int token) => token == eosId || ((LLamaToken)token).IsEndOfGeneration(weights.Vocab);

    /// <summary>[bos] + prompt tokens; an empty prompt without bos stands for end-of-text, as in the TorchSharp models.</summary>
    private int[] PromptIds(string prompt)
    {
        var ids = TokenizeUnlocked(prompt);
        if (BeginOfTextId is { } bos)
        {
            return [bos, .. ids];
        }
        return ids.Length == 0 ? [eosId] : ids;
    }

    private int[] TokenizeUnlocked(string text) =>
        text.Length == 0 ? [] : context.Tokenize(text, addBos: false, special: true).Select(t => (int)t).ToArray();

    private string DetokenizeUnlocked(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        Span<byte> piece = stackalloc byte[256];
        foreach (var id in ids)
        {
            var length = (int)weights.NativeHandle.TokenToSpan(id, piece, 0, true);
            if (length > piece.Length)
            {
                var large = new byte[length];
                weights.NativeHandle.TokenToSpan(id, large, 0, true);
                bytes.AddRange(large);
            }
            else
            {
                bytes.AddRange(piece[..length]);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Logits after each position from <paramref name="firstLogit"/> on, in one fresh sequence.</summary>
    private float[][] LogitsUnlocked(IReadOnlyList<int> ids, int firstLogit = 0) => DecodeFresh(ids, firstLogit);

    /// <summary>Starts a fresh sequence with <paramref name="ids"/> and returns the logits after the last one.</summary>
    private float[] Prefill(IReadOnlyList<int> ids)
    {
        if (ids.Count == 0)
        {
            throw new ArgumentException("A sequence needs at least one token.", nameof(ids));
        }
        return DecodeFresh(ids, ids.Count - 1)[0];
    }

    /// <summary>
    /// Clears the KV cache and decodes <paramref name="ids"/> in chunks of at most <see cref="batchTokens"/> (llama.cpp
    /// sizes its logits buffer by the batch, so a whole-context batch would cost context × vocabulary floats), keeping
    /// the logits of positions from <paramref name="firstLogit"/> on.
    /// </summary>
    private float[][] DecodeFresh(IReadOnlyList<int> ids, int firstLogit)
    {
        CheckFits(ids.Count);
        context.NativeHandle.MemoryClear(true);
        var rows = new float[Math.Max(0, ids.Count - firstLogit)][];
        for (var start = 0; start < ids.Count; start += batchTokens)
        {
            var end = Math.Min(ids.Count, start + batchTokens);
            batch.Clear();
            for (var i = start; i < end; i++)
            {
                batch.Add(ids[i], i, LLamaSeqId.Zero, i >= firstLogit);
            }
            Decode();
            for (var i = Math.Max(start, firstLogit); i < end; i++)
            {
                rows[i - firstLogit] = context.NativeHandle.GetLogitsIth(i - start).ToArray();
            }
        }
        return rows;
    }

    /// <summary>
    /// Decodes tokens <c>rows[b][starts[b]..]</c> as sequence b at their own positions, every sequence in the same llama.cpp
    /// batches (chunks of at most <see cref="batchTokens"/>), and returns the logits after each row's last token.
    /// </summary>
    private float[][] DecodeSequences(IReadOnlyList<List<int>> rows, int[] starts)
    {
        var result = new float[rows.Count][];
        var lastTokens = new List<(int Row, int Index)>();
        batch.Clear();
        void Flush()
        {
            Decode();
            foreach (var (row, index) in lastTokens)
            {
                result[row] = context.NativeHandle.GetLogitsIth(index).ToArray();
            }
            lastTokens.Clear();
            batch.Clear();
        }
        for (var b = 0; b < rows.Count; b++)
        {
            for (var i = starts[b]; i < rows[b].Count; i++)
            {
                if (batch.TokenCount == batchTokens)
                {
                    Flush();
                }
                var last = i == rows[b].Count - 1;
                batch.Add(rows[b][i], i, (LLamaSeqId)b, last);
                if (last)
                {
                    lastTokens.Add((b, batch.TokenCount - 1));
                }
            }
        }
        Flush();
        return result;
    }

    /// <summary>Appends one token at <paramref name="position"/> (the KV cache holds the rest) and returns its logits.</summary>
    private float[] Step(int token, int position)
    {
        CheckFits(position + 1);
        batch.Clear();
        batch.Add(token, position, LLamaSeqId.Zero, true);
        Decode();
        return context.NativeHandle.GetLogitsIth(0).ToArray();
    }

    private void Decode()
    {
        var result = context.NativeHandle.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama.cpp decode failed: {result}.");
        }
    }

    private void CheckFits(int length)
    {
        if (length > ContextLength)
        {
            throw new ArgumentException($"{length} tokens do not fit the context of {ContextLength}.");
        }
    }

    private T Exclusive<T>(Func<T> work)
    {
        gate.Wait();
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return work();
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<T> ExclusiveAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return await Task.Run(work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}
