using CaiEvents.EventStore;
using Npgsql;

namespace CaiEvents.UnitTests.EventStore;

/// <summary>Connection strings with a primary and its standby (no server needed: nothing connects).</summary>
public class EventStoreDataSourceTests
{
    private const string TwoHosts = "Host=127.0.0.1:5432,127.0.0.1:5442;Database=db;Username=u;Password=p";

    private static string? Target(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).TargetSessionAttributes;

    [Fact]
    public void Multi_host_string_without_a_target_is_bound_to_the_primary()
    {
        Assert.True(EventStoreDataSource.IsMultiHost(TwoHosts));
        Assert.Equal("primary", Target(EventStoreDataSource.ConnectionString(TwoHosts)));
        using var source = EventStoreDataSource.Create(TwoHosts);
        Assert.Equal("primary", Target(source.ConnectionString));
    }

    [Fact]
    public void Explicit_target_is_kept()
    {
        var dashboard = TwoHosts + ";Target Session Attributes=prefer-standby";
        Assert.Equal("prefer-standby", Target(EventStoreDataSource.ConnectionString(dashboard)));
        using var source = EventStoreDataSource.Create(dashboard);
        Assert.Equal("prefer-standby", Target(source.ConnectionString));
    }

    [Fact]
    public void Single_host_string_is_left_as_it_is()
    {
        const string oneHost = "Host=127.0.0.1;Port=5432;Database=db;Username=u;Password=p";
        Assert.False(EventStoreDataSource.IsMultiHost(oneHost));
        Assert.Equal(oneHost, EventStoreDataSource.ConnectionString(oneHost));
    }

    [Fact]
    public void Marten_store_accepts_the_multi_host_string()
    {
        // Npgsql 7-9 refused Target Session Attributes in a data source's connection string; the store must take it.
        using var store = EventStoreSetup.CreateStore(new EventStoreOptions { ConnectionString = TwoHosts + ";Target Session Attributes=primary" });
        Assert.NotNull(store.Storage.Database);
    }
}
