using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CaiEvents.Models.Chat;

namespace CaiEvents.Models.Synthetic;

/// <summary>
/// A model that costs nothing but an optional fixed latency: it answers with a short text derived from a
/// hash of the request, and scores continuations with log-probabilities derived from a hash of
/// (prompt, continuation). It exists to measure the pipeline itself (broker, event store, scaling) without
/// model compute, and to stand in for a remote LLM whose cost is latency (<c>builtin:echo?latency-ms=50</c>).
/// Deterministic for a given request, so runs over it are reproducible like runs over real models.
/// <c>builtin:echo?chat-template=NAME</c> makes it an "instruct" model with that family's chat template (<see cref="ChatTemplates.ByName"/>),
/// so the roles' chat path can be run end to end without a checkpoint.
/// </summary>
public sealed class EchoModel : ITextModel
{
    public const string ModelId = "builtin:echo";
    private const string LatencyParameter = "latency-ms";
    private const string ChatTemplateParameter = "chat-template";

    private readonly TimeSpan latency;

    private EchoModel(string modelId, TimeSpan latency, ChatTemplate? chatTemplate = null)
    {
        this.latency = latency;
        ChatTemplate = chatTemplate;
        Identity = new ModelIdentity(modelId, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(modelId))));
    }

    public ModelIdentity Identity { get; }

    public ChatTemplate? ChatTemplate { get; }

    /// <summary>
    /// Parses <c>builtin:echo</c>, <c>builtin:echo?latency-ms=N</c> (0 ≤ N ≤ 60000), <c>builtin:echo?chat-template=NAME</c>
    /// (a family of <see cref="ChatTemplates.Families"/>), or both parameters joined by <c>&amp;</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Any other form.</exception>
    public static EchoModel Parse(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        if (modelId == ModelId) return new EchoModel(modelId, TimeSpan.Zero);
        var prefix = ModelId + "?" + LatencyParameter + "=";
        var latency = TimeSpan.Zero;
        ChatTemplate? chatTemplate = null;
        var valid = modelId.StartsWith(ModelId + "?", StringComparison.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parameter in valid ? modelId[(ModelId.Length + 1)..].Split('&') : [])
        {
            var (name, value) = parameter.IndexOf('=') is var eq and >= 0 ? (parameter[..eq], parameter[(eq + 1)..]) : (parameter, "");
            if (!seen.Add(name)) valid = false;
            else if (name == LatencyParameter && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 60_000)
                latency = TimeSpan.FromMilliseconds(ms);
            else if (name == ChatTemplateParameter && ChatTemplates.Families.Contains(value, StringComparer.Ordinal))
                chatTemplate = ChatTemplates.ByName(value);
            else valid = false;
        }
        if (valid) return new EchoModel(modelId, latency, chatTemplate);
        throw new ArgumentException($"Invalid model id '{modelId}': expected {ModelId} or {prefix}<0..60000>"
            + $" (and/or {ChatTemplateParameter}=<{string.Join("|", ChatTemplates.Families)}>).", nameof(modelId));
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
