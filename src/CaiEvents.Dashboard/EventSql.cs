using Npgsql;
using NpgsqlTypes;
using CaiEvents.EventStore;

namespace CaiEvents.Dashboard;

/// <summary>
/// Aggregating SQL over the event store's tables, for views that would otherwise load every event of a run or of every job
/// on each refresh. Its connections are read-only like the dashboard's Marten store; the schema name is quoted.
/// </summary>
public sealed class EventSql : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;

    public EventSql(EventStoreOptions options)
    {
        var readOnly = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Options = "-c default_transaction_read_only=on" };
        _source = EventStoreDataSource.Create(readOnly.ConnectionString);
        Schema = "\"" + options.Schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The quoted schema, to prefix table names with.</summary>
    public string Schema { get; }

    /// <summary>Runs <paramref name="sql"/> with positional parameters ($1, $2, ...) and maps each row.</summary>
    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> row, CancellationToken ct, params object[] parameters)
    {
        await using var command = _source.CreateCommand(sql);
        foreach (var p in parameters)
            command.Parameters.Add(p is string[] texts ? new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text }
                : new NpgsqlParameter { Value = p });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct)) rows.Add(row(reader));
        return rows;
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
