using System.Collections.Concurrent;
using CaiEvents.Contracts;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Chooses, once per process for each (base URL, model name), the API an <c>openai:URL#NAME</c> model speaks: chat when
/// <c>POST {base}/chat/completions</c> answers, else the legacy completions endpoint. It also reads the served-model entry
/// (<c>GET {base}/models</c>) and, for chat, whether an assistant prefill is accepted (<see cref="RemoteModelProbe"/>'s checks).
/// </summary>
/// <remarks>
/// <para>Only these checks run (never a completions request), so loading a model costs at most three tiny requests, once. The
/// <c>/models</c> request gets one attempt (no retries): a busy server leaves the identity without a served entry.</para>
/// <para>An API forced with <c>?api=</c> skips the probe altogether: no request at load, no served entry in the identity, and no
/// prefill for chat (the prefill is folded into the user turn). Leave the API to the probe to have both.</para>
/// <para>Thread-safe: concurrent loads of one name share one probe. A probe that could not reach the server, or met 429/5xx on the
/// chat check, is not kept: that load gets the completions API (as before chat support) with no served entry, and the next load
/// probes again.</para>
/// </remarks>
public static class RemoteApiSelection
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<RemoteApiChoice>>> Choices = new(StringComparer.Ordinal);

    /// <param name="id">The parsed model id.</param>
    /// <param name="forced">The API an <c>?api=</c> suffix names (<see cref="RemoteModelId.Api"/>); null: probe for it.</param>
    /// <param name="options">Key, timeouts, retries and the concurrency cap.</param>
    /// <param name="httpClient">A client to use; null: one is created for the probe.</param>
    public static async Task<RemoteApiChoice> ChooseAsync(RemoteModelId id, RemoteApi? forced, RemoteModelOptions options, HttpClient? httpClient = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(options);
        if (forced is { } api) return new RemoteApiChoice(api, Prefill: false, Served: null, Reached: true);
        var key = $"{id.BaseUrl}#{id.ModelName}";
        var entry = Choices.GetOrAdd(key, _ => new Lazy<Task<RemoteApiChoice>>(() => ProbeAsync(id, options, httpClient, cancellationToken)));
        RemoteApiChoice choice;
        try
        {
            choice = await entry.Value;
        }
        catch (RemoteModelException)
        {
            Choices.TryRemove(new KeyValuePair<string, Lazy<Task<RemoteApiChoice>>>(key, entry));
            return new RemoteApiChoice(RemoteApi.Completions, false, null, Reached: false);
        }
        catch (OperationCanceledException)
        {
            Choices.TryRemove(new KeyValuePair<string, Lazy<Task<RemoteApiChoice>>>(key, entry));
            throw;
        }
        if (!choice.Reached) Choices.TryRemove(new KeyValuePair<string, Lazy<Task<RemoteApiChoice>>>(key, entry));
        return choice;
    }

    private static async Task<RemoteApiChoice> ProbeAsync(RemoteModelId id, RemoteModelOptions options, HttpClient? httpClient,
        CancellationToken ct)
    {
        var notes = new List<string>();
        (ServedModel? Served, bool Busy) listed;
        // One attempt: the served entry is evidence for the audit, not worth the model calls' retries and their wait.
        using (var once = new ProbeTransport(id, options with { MaxRetries = 0 }, httpClient))
            listed = await RemoteModelProbe.ServedOrBusyAsync(once, id, notes, ct);
        using var transport = new ProbeTransport(id, options, httpClient);
        var chat = await RemoteModelProbe.ChatAnswersAsync(transport, id, notes, ct);
        if (chat is null) return new RemoteApiChoice(RemoteApi.Completions, false, listed.Served, Reached: false);
        var prefill = chat.Value && await RemoteModelProbe.PrefillAsync(transport, id, notes, ct);
        // A busy /models answer is not kept, so that a later load of the name asks again.
        return new RemoteApiChoice(chat.Value ? RemoteApi.Chat : RemoteApi.Completions, prefill, listed.Served, Reached: !listed.Busy);
    }
}
