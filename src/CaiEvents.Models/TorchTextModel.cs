using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CaiEvents.Contracts;
using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// <see cref="ITextModel"/> over a <see cref="TinyTransformer"/> and a <see cref="CharTokenizer"/>.
/// Calls are serialised (one forward pass at a time), so one instance can be shared by several
/// consumers. On CPU, (prompt, sampling parameters, seed) always gives the same text: sampling runs
/// in managed code on the probabilities copied to the CPU, with a per-request <see cref="Random"/>.
/// </summary>
public sealed class TorchTextModel : ITextModel
{
    private readonly TinyTransformer module;
    private readonly CharTokenizer tokenizer;
    private readonly Device device;
    private readonly SemaphoreSlim gate = new(1, 1);
    private bool disposed;

    private TorchTextModel(string modelId, TinyTransformer module, CharTokenizer tokenizer, ModelOptions options)
    {
        this.tokenizer = tokenizer;
        (device, var dtype) = options.Resolve();
        // Hash the checkpoint as loaded (float32, before any device/dtype conversion).
        Identity = new ModelIdentity(modelId, ComputeCheckpointHash(module));
        this.module = module.to(device, dtype);
        this.module.eval();
    }

    public ModelIdentity Identity { get; }

    public TinyTransformerConfig Config => module.Config;

    /// <summary>Builds a model whose weights come from <see cref="ModelOptions.Seed"/> alone.</summary>
    public static TorchTextModel CreateInitialized(string modelId, TinyTransformerConfig config, ModelOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        var tokenizer = CharTokenizer.Instance;
        if (config.VocabSize != tokenizer.VocabSize)
        {
            throw new ArgumentException($"Config vocab size {config.VocabSize} does not match the tokenizer's {tokenizer.VocabSize}.", nameof(config));
        }
        options.Resolve(); // fail on bad options before allocating anything
        var module = new TinyTransformer(config);
        try
        {
            module.InitializeWeights(options.Seed);
            return new TorchTextModel(modelId, module, tokenizer, options);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var r in requests)
        {
            ArgumentNullException.ThrowIfNull(r, nameof(requests));
            ArgumentNullException.ThrowIfNull(r.Prompt, nameof(requests));
            ArgumentNullException.ThrowIfNull(r.Sampling, nameof(requests));
        }
        return RunExclusiveAsync<IReadOnlyList<GenerationResult>>(
            () => requests.Select(r => Generate(r, cancellationToken)).ToList(), cancellationToken);
    }

    public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(continuations);
        return RunExclusiveAsync<IReadOnlyList<ContinuationScore>>(
            () => continuations.Select(c => Score(prompt, c ?? throw new ArgumentNullException(nameof(continuations)), cancellationToken)).ToList(),
            cancellationToken);
    }

    /// <summary>
    /// Log-probabilities (log_softmax, float32 logits) of the next token over the whole vocabulary,
    /// after <c>&lt;bos&gt;</c> + <paramref name="tokens"/> (left-truncated to the context).
    /// </summary>
    public Task<float[]> NextTokenLogProbsAsync(IReadOnlyList<int> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return RunExclusiveAsync(() =>
        {
            var input = WithBos(tokens, module.Config.ContextLength);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return nn.functional.log_softmax(LastLogits(input), 0).data<float>().ToArray();
        }, cancellationToken);
    }

    private async Task<T> RunExclusiveAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            // Dispose scopes and grad mode are per thread: run the whole call on one thread.
            return await Task.Run(work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private GenerationResult Generate(GenerationRequest request, CancellationToken cancellationToken)
    {
        var sampling = request.Sampling;
        var context = module.Config.ContextLength;
        var maxNew = Math.Max(0, sampling.MaxNewTokens);
        var sequence = WithBos(tokenizer.Encode(request.Prompt), Math.Max(1, context - maxNew));
        var promptTokens = sequence.Count;
        var stops = (sampling.StopSequences ?? []).Where(s => !string.IsNullOrEmpty(s)).ToArray();
        var rng = new Random(unchecked((int)(request.Seed ^ (request.Seed >> 32))));
        var generated = new List<int>();
        var text = string.Empty;

        using var noGrad = no_grad();
        while (generated.Count < maxNew)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] logits;
            using (var scope = NewDisposeScope())
            {
                // No KV cache yet: recompute the (sliding) window every step.
                var window = sequence.Count <= context ? sequence : sequence.GetRange(sequence.Count - context, context);
                logits = LastLogits(window).data<float>().ToArray();
            }
            var next = Sampler.Next(logits, sampling, rng);
            generated.Add(next);
            if (next == CharTokenizer.EosId)
            {
                break;
            }
            sequence.Add(next);
            text += tokenizer.CharOf(next);
            var cut = FirstStop(text, stops);
            if (cut >= 0)
            {
                text = text[..cut];
                break;
            }
        }
        return new GenerationResult(text, promptTokens, generated.Count);
    }

    private ContinuationScore Score(string prompt, string continuation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var context = module.Config.ContextLength;
        var target = tokenizer.Encode(continuation);
        if (target.Length == 0)
        {
            return new ContinuationScore(continuation, 0, []);
        }
        if (target.Length > context - 1)
        {
            throw new ArgumentException($"Continuation of {target.Length} tokens does not fit the context length {context}.", nameof(continuation));
        }
        var sequence = WithBos(tokenizer.Encode(prompt), context - target.Length);
        var promptLength = sequence.Count;
        sequence.AddRange(target);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = ToTensor(sequence);
        // Predictions for the continuation tokens come from the positions just before each of them.
        var logits = module.forward(input)[0].narrow(0, promptLength - 1, target.Length).to(ScalarType.Float32);
        var logProbs = nn.functional.log_softmax(logits, 1);
        var picked = logProbs.gather(1, tensor(target.Select(t => (long)t).ToArray(), device: device).unsqueeze(1))
            .squeeze(1).cpu().data<float>().ToArray();
        var perToken = picked.Select(p => (double)p).ToArray();
        return new ContinuationScore(continuation, perToken.Sum(), perToken);
    }

    private Tensor LastLogits(IReadOnlyList<int> tokens)
    {
        var input = ToTensor(tokens);
        return module.forward(input)[0, -1].to(ScalarType.Float32).cpu();
    }

    private Tensor ToTensor(IReadOnlyList<int> tokens)
    {
        var ids = new long[tokens.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = tokens[i];
        }
        return tensor(ids, device: device).unsqueeze(0);
    }

    /// <summary><c>&lt;bos&gt;</c> + tokens, keeping only the last <paramref name="budget"/> tokens.</summary>
    private static List<int> WithBos(IReadOnlyList<int> tokens, int budget)
    {
        var all = new List<int>(tokens.Count + 1) { CharTokenizer.BosId };
        all.AddRange(tokens);
        return all.Count <= budget ? all : all.GetRange(all.Count - budget, budget);
    }

    private static int FirstStop(string text, string[] stops)
    {
        var cut = -1;
        foreach (var stop in stops)
        {
            var i = text.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (cut < 0 || i < cut))
            {
                cut = i;
            }
        }
        return cut;
    }

    private static string ComputeCheckpointHash(nn.Module module)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = NewDisposeScope();
        foreach (var (_, value) in module.state_dict())
        {
            var values = value.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            sha.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        gate.Wait();
        try
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            module.Dispose();
        }
        finally
        {
            gate.Release();
        }
    }
}
