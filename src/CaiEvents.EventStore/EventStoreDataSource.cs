using Npgsql;

namespace CaiEvents.EventStore;

/// <summary>
/// Event-store connection strings with a standby. A multi-host string (<c>Host=a:5432,b:5432</c>, as
/// <c>services.sh env</c> prints once a standby exists) without <c>Target Session Attributes</c> would let Npgsql hand
/// out connections to whichever server answers first, a read-only standby included; the event store writes, so such a
/// string is bound to the primary. An explicit target (e.g. <c>prefer-standby</c> for a dashboard) is kept.
/// </summary>
public static class EventStoreDataSource
{
    public static string ConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!IsMultiHost(builder) || !string.IsNullOrWhiteSpace(builder.TargetSessionAttributes)) return connectionString;
        builder.TargetSessionAttributes = "primary";
        return builder.ConnectionString;
    }

    /// <summary>A new data source for <see cref="ConnectionString"/>, disposed by the caller.</summary>
    public static NpgsqlDataSource Create(string connectionString) => NpgsqlDataSource.Create(ConnectionString(connectionString));

    public static bool IsMultiHost(string connectionString) => IsMultiHost(new NpgsqlConnectionStringBuilder(connectionString));

    private static bool IsMultiHost(NpgsqlConnectionStringBuilder builder) => builder.Host?.Contains(',', StringComparison.Ordinal) == true;
}
