using System.Net;
using CaiEvents.Dashboard.Access;
using CaiEvents.EventStore;

namespace CaiEvents.Dashboard;

/// <summary>Where the RabbitMQ management API answers (for queue depths); the password is never shown.</summary>
public sealed record RabbitManagementOptions(Uri BaseAddress, string VirtualHost, string Username, string Password)
{
    public override string ToString() => $"{BaseAddress} (vhost {VirtualHost}, user {Username})";
}

public sealed record DashboardOptions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public required EventStoreOptions EventStore { get; init; }
    /// <summary>Null when no broker is configured: queue depths show as n/a.</summary>
    public RabbitManagementOptions? Queues { get; init; }
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];
    /// <summary>Null (loopback only): no authentication. Set: every request needs it (<see cref="AccessGuard"/>).</summary>
    public AccessToken? AccessToken { get; init; }
    /// <summary>Window of the "last minute" throughput figures.</summary>
    public TimeSpan ThroughputWindow { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Checks that the dashboard listens on loopback only unless the operator says otherwise.</summary>
public static class BindAddresses
{
    /// <summary>The URLs that are not http(s) on a loopback host (127.0.0.0/8, ::1 or localhost), or that do not parse.</summary>
    public static IReadOnlyList<string> NotLoopback(IEnumerable<string> urls) => urls.Where(u => !IsLoopback(u)).ToList();

    public static bool IsLoopback(string url)
    {
        // Kestrel's wildcards (*, +) mean every interface; Uri cannot parse them, and they are not loopback anyway.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return false;
        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
