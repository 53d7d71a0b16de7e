using System.Collections.Concurrent;

namespace CaiEvents.Models.Remote;

/// <summary>
/// The per-process cap on HTTP requests in flight to one server (<see cref="RemoteModelOptions.MaxConcurrency"/>): one gate per base URL,
/// shared by every model object, probe and consumer of the process.
/// </summary>
/// <remarks>
/// A static registry rather than a DI singleton: models are built by the static <see cref="ModelCatalog.Load"/> from the CLI, the
/// application's use cases and the workers' model provider alike, none of which share a container, while the cap is by definition per
/// process. The first cap a process uses for a base URL stays for the life of the process (one configuration per process in practice).
/// </remarks>
public static class RemoteServerConcurrency
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>The gate of the server at <paramref name="baseUrl"/>, created with <paramref name="maxConcurrency"/> slots on first use.</summary>
    public static SemaphoreSlim Gate(string baseUrl, int maxConcurrency)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        return Gates.GetOrAdd(Key(baseUrl), _ => new SemaphoreSlim(maxConcurrency, maxConcurrency));
    }

    // Scheme and host are case-insensitive; a trailing '/' does not make another server.
    private static string Key(string baseUrl) =>
        Uri.TryCreate(baseUrl.TrimEnd('/'), UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path).TrimEnd('/') : baseUrl.TrimEnd('/');
}
