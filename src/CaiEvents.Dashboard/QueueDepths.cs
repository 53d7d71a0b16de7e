using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CaiEvents.Dashboard;

public sealed record QueueDepth(string Name, long Ready, long Unacknowledged, int Consumers);

/// <summary>Queue depths, or why they are not available (in-memory transport, management API unreachable).</summary>
public sealed record QueueReport(bool Available, string? Reason, IReadOnlyList<QueueDepth> Queues)
{
    public static QueueReport NotAvailable(string reason) => new(false, reason, []);
}

/// <summary>Reads queue depths of the configured virtual host from the RabbitMQ management HTTP API (GET only).</summary>
public sealed class QueueDepths : IDisposable
{
    private readonly RabbitManagementOptions? _options;
    private readonly HttpClient? _http;

    public QueueDepths(RabbitManagementOptions? options)
    {
        _options = options;
        if (options is null) return;
        _http = new HttpClient { BaseAddress = options.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}")));
    }

    public async Task<QueueReport> ReadAsync(CancellationToken ct)
    {
        if (_options is null || _http is null) return QueueReport.NotAvailable("no RabbitMQ configured (in-memory transport?)");
        try
        {
            using var response = await _http.GetAsync(
                $"queues/{Uri.EscapeDataString(_options.VirtualHost)}?columns=name,messages_ready,messages_unacknowledged,consumers", ct);
            if (!response.IsSuccessStatusCode)
                return QueueReport.NotAvailable($"management API at {_options.BaseAddress} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
            var queues = doc.RootElement.EnumerateArray().Select(q => new QueueDepth(
                    q.GetProperty("name").GetString() ?? "",
                    Number(q, "messages_ready"), Number(q, "messages_unacknowledged"), (int)Number(q, "consumers")))
                .OrderBy(q => q.Name, StringComparer.Ordinal)
                .ToList();
            return new QueueReport(true, null, queues);
        }
        catch (Exception e)
            when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            return QueueReport.NotAvailable($"management API at {_options.BaseAddress} unreachable: {e.Message.Split('\n')[0]}");
        }
    }

    // The management API omits message counts until a queue's first statistics tick.
    private static long Number(JsonElement queue, string name) =>
        queue.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    public void Dispose() => _http?.Dispose();
}
