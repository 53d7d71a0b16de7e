using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CaiEvents.Models.Synthetic;

/// <summary>
/// A model that costs nothing but an optional fixed latency: it answers with a short text derived from a
/// hash of the request, and scores continuations with log-probabilities derived from a hash of
/// (prompt, continuation). It exists to measure the pipeline itself (broker, event store, scaling) without
/// model compute, and to stand in for a remote LLM whose cost is latency (<c>builtin:echo?latency-ms=50</c>).
/// Deterministic for a given request, so runs over it are reproducible like runs over real models.
/// </summary>
public sealed class EchoModel : ITextModel
{
    public const string ModelId = "builtin:echo";
    private const string LatencyParameter = "latency-ms";

    private readonly TimeSpan latency;

    private EchoModel(string modelId, TimeSpan latency)
    {
        this.latency = latency;
        Identity = new ModelIdentity(modelId, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(modelId))));
    }

    public ModelIdentity Identity { get; }

    /// <summary>Parses <c>builtin:echo</c> or <c>builtin:echo?latency-ms=N</c> (0 ≤ N ≤ 60000).</summary>
    /// <exception cref="ArgumentException">Any other form.</exception>
    public static EchoModel Parse(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        if (modelId == ModelId) return new EchoModel(modelId, TimeSpan.Zero);
        var prefix = ModelId + "?" + LatencyParameter + "=";
        if (modelId.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(modelId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 60_000)
            return new EchoModel(modelId, TimeSpan.FromMilliseconds(ms));
        throw new ArgumentException($"Invalid model id '{modelId}': expected {ModelId} or {prefix}<0..60000>.", nameof(modelId));
    }

    public async Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        await DelayAsync(cancellationToken).ConfigureAwait(false);
        return [.. requests.Select(r =>
        {
            var tag = Hash($"{r.Prompt}\u0000{r.Seed}\u0000{r.Sampling.Temperature.ToString("R", CultureInfo.InvariantCulture)}");
            var text = $"echo {Convert.ToHexStringLower(tag.AsSpan(0, 6))}";
            return new GenerationResult(text, r.Prompt.Length, text.Length);
        })];
    }

    public async Task<IReadOnlyList<ContinuationScore>> ScoreAsync(
        string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(continuations);
        await DelayAsync(cancellationToken).ConfigureAwait(false);
        return [.. continuations.Select(c =>
        {
            // A log-probability in (-8, 0], different for each (prompt, continuation).
            var logProb = -8.0 * BitConverter.ToUInt32(Hash($"{prompt}\u0000{c}"), 0) / ((double)uint.MaxValue + 1);
            return new ContinuationScore(c, logProb, [logProb]);
        })];
    }

    public void Dispose() { }

    private Task DelayAsync(CancellationToken ct) => latency > TimeSpan.Zero ? Task.Delay(latency, ct) : Task.CompletedTask;

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
