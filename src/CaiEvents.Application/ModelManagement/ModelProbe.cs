using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Models.Remote;

namespace CaiEvents.Application.ModelManagement;

/// <summary>
/// <c>cai model probe MODEL</c>: which of chat, completions, echo/prompt log-probs, top log-probs, seed and prefill a model offers.
/// A remote model's server is asked (<see cref="RemoteModelProbe"/>); a local model is checked like <c>cai model inspect</c> (so a bad id
/// or file fails the same way) and described by construction.
/// </summary>
public static class ModelProbe
{
    /// <exception cref="UsageException">A malformed or unknown model id, or invalid Models:Remote settings.</exception>
    /// <exception cref="ServiceUnreachableException">The remote server cannot be reached (one line naming the URL).</exception>
    public static async Task<ModelProbeResult> ProbeAsync(string modelId, RemoteModelOptions options, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(options);
        if (!RemoteModelId.IsRemote(modelId)) return Local(modelId);
        ServerCapabilities found;
        try
        {
            found = await RemoteModelProbe.ProbeAsync(modelId, options, cancellationToken: ct);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"model '{modelId}': {e.Message}");
        }
        catch (RemoteModelException e)
        {
            throw new ServiceUnreachableException(e.Message, e);
        }
        return new ModelProbeResult(modelId, false, found.Chat, found.Completions, found.EchoLogProbs, found.TopLogProbs, found.Seed, found.Prefill,
            found.CanGenerate, found.CanLabel, found.Served, found.Notes);
    }

    private static ModelProbeResult Local(string modelId)
    {
        var inspected = ModelInspection.Inspect(modelId);
        var chat = inspected.ChatTemplate is not null;
        List<string> notes =
        [
            "local model: runs in this process; exact continuation log-probs, per-request seeds and assistant prefill by construction",
            chat ? $"chat: messages are rendered with its {inspected.ChatTemplate} template in process" : "chat: no chat template; prompts are plain text",
        ];
        return new ModelProbeResult(modelId, true, chat, true, true, null, true, true, true, true, null, notes);
    }
}
