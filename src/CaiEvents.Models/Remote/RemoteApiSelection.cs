using System.Collections.Concurrent;

namespace CaiEvents.Models.Remote;

/// <summary>
/// Chooses, once per process for each (base URL, model name), the API an <c>openai:URL#NAME</c> model speaks: chat when
/// <c>POST {base}/chat/completions</c> answers, else the legacy completions endpoint. It also reads the served-model entry
/// (<c>GET {base}/models</c>) and, for chat, whether an assistant prefill is accepted (<see cref="RemoteModelProbe"/>'s checks).
/// </summary>
/// <remarks>
/// <para>Only these checks run (never a completions request), so loading a model costs at most three tiny requests, once.</para>
/// <para>An API forced with <c>?api=</c> is not probed for; its served-model entry and (for chat) the prefill still are.</para>
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
        var key = $"{id.BaseUrl}#{id.ModelName}?{forced?.ToString() ?? "probe"}";
        var entry = Choices.GetOrAdd(key, _ => new Lazy<Task<RemoteApiChoice>>(() => ProbeAsync(id, forced, options, httpClient, cancellationToken)));
        RemoteApiChoice choice;
        try
        {
            choice = await entry.Value;
        }
        catch (RemoteModelException)
        {
            Choices.TryRemove(new KeyValuePair<string, Lazy<Task<RemoteApiChoice>>>(key, entry));
            return new RemoteApiChoice(forced ?? RemoteApi.Completions, false, null, Reached: false);
        }
        catch (OperationCanceledException)
        {
            Choices.TryRemove(new KeyValuePair<string, Lazy<Task<RemoteApiChoice>>>(key, entry));
            throw;
        }
        if (!choice.Reached) Choices.TryRemove(new KeyValuePair<string, Lazy<Task<RemoteApiChoice>>>(key, entry));
        return choice;
    }

    private static async Task<RemoteApiChoice> ProbeAsync(RemoteModelId id, RemoteApi? forced, RemoteModelOptions options, HttpClient? httpClient,
        CancellationToken ct)
    {
        using var transport = new ProbeTransport(id, options, httpClient);
        var notes = new List<string>();
        var served = await RemoteModelProbe.ServedAsync(transport, id, notes, ct);
        var chat = forced is { } api ? api == RemoteApi.Chat : await RemoteModelProbe.ChatAnswersAsync(transport, id, notes, ct);
        if (chat is null) return new RemoteApiChoice(RemoteApi.Completions, false, served, Reached: false);
        var prefill = chat.Value && await RemoteModelProbe.PrefillAsync(transport, id, notes, ct);
        return new RemoteApiChoice(chat.Value ? RemoteApi.Chat : RemoteApi.Completions, prefill, served, Reached: true);
    }
}
