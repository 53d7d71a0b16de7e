using CaiEvents.EventStore;
using CaiEvents.Hosting;
using Marten;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Hosts;

/// <summary>A document store for use cases that read or write without hosting roles.</summary>
public static class EventStoreAccess
{
    /// <summary>Opens the store after checking that PostgreSQL answers (a one-line error otherwise).</summary>
    public static async Task<DocumentStore> OpenAsync(IConfiguration configuration, CancellationToken ct)
    {
        var options = CaiHost.EventStoreOptions(configuration);
        await ServiceReadiness.EnsureEventStoreAsync(options, ct);
        return EventStoreSetup.CreateStore(options);
    }
}
