using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Microsoft.Extensions.DependencyInjection;
using Weasel.Core;

namespace CaiEvents.EventStore;

/// <summary>Where the event store lives. Bound from configuration; the password never appears in code.</summary>
public sealed record EventStoreOptions
{
    public required string ConnectionString { get; init; }
    /// <summary>PostgreSQL schema holding the events and read models. Tests use one schema per test class.</summary>
    public string Schema { get; init; } = "cai";
}

/// <summary>The one place where Marten is configured: streams, projections and their lifecycles.</summary>
public static class EventStoreSetup
{
    public static void Configure(StoreOptions opts, EventStoreOptions options)
    {
        ConfigureEvents(opts, options);
        // Rich appends assign versions and sequence numbers client-side, so the inline snapshots below see exact
        // stream versions and the hash chain can hash each event's sequence before it is written.
        opts.Events.AppendMode = EventAppendMode.Rich;
        // Tamper evidence: every event's headers carry its hash chained to the previous event of its stream.
        opts.Listeners.Add(new Integrity.EventChainListener());

        // Inline: the snapshot is written in the same transaction as the events, so the decision a consumer
        // makes from FetchForWriting and the run-progress counts are never behind the stream.
        opts.Projections.Add<SampleStateProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<RunStateProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<ComparisonStateProjection>(ProjectionLifecycle.Inline);
        // Run progress without reading items: the status is a column next to the run id, and one index on both answers
        // "anything left?" after every settled item with a single probe, and the per-status counts that `status`, `wait` and
        // the dashboard poll from the index alone (no item document is read). A second, small index holds only the failed
        // items of each run, for listing failures.
        // A run's items a batch at a time in prompt order (exports, datasets, resume, retry): the (run_id, index) index finds the
        // run's rows in order, and each batch starts after the last index of the one before, so a batch reads only its own rows.
        opts.Schema.For<SampleState>()
            .Duplicate(x => x.RunId)
            .Duplicate(x => x.Status, configure: index => FailedIndex(index, SampleFailedIndex, nameof(SampleStatus.Failed)))
            .Index([x => x.RunId, x => x.Status], index => index.Name = SampleRunStatusIndex)
            .Duplicate(x => x.Index)
            .Index([x => x.RunId, x => x.Index], index => index.Name = SampleRunOrderIndex);
        opts.Schema.For<ComparisonState>()
            .Duplicate(x => x.RunId)
            .Duplicate(x => x.Status, configure: index => FailedIndex(index, ComparisonFailedIndex, nameof(ComparisonStatus.Failed)))
            .Index([x => x.RunId, x => x.Status], index => index.Name = ComparisonRunStatusIndex)
            .Duplicate(x => x.Index)
            .Index([x => x.RunId, x => x.Index], index => index.Name = ComparisonRunOrderIndex);
    }

    /// <summary>Index names, so a test can see in a query plan that the progress queries use them.</summary>
    public const string SampleRunStatusIndex = "ix_samplestate_run_status";
    public const string ComparisonRunStatusIndex = "ix_comparisonstate_run_status";
    public const string SampleRunOrderIndex = "ix_samplestate_run_index";
    public const string ComparisonRunOrderIndex = "ix_comparisonstate_run_index";
    public const string SampleFailedIndex = "ix_samplestate_run_failed";
    public const string ComparisonFailedIndex = "ix_comparisonstate_run_failed";

    /// <summary>The duplicated status column's own index, kept to the failed items (few), so listing a run's failures reads no others.</summary>
    private static void FailedIndex(DocumentIndex index, string name, string failed)
    {
        index.Name = name;
        index.Predicate = $"status = '{failed}'";
    }

    /// <summary>
    /// The events alone: connection, schema, serialisation, stream identity, event types and their versions, and the
    /// headers column, with neither projections nor the hash chain and Marten's default append mode. <see cref="Configure"/>
    /// builds on it; <c>cai bench pipeline</c> appends through it for its raw Marten baseline, into the same tables.
    /// </summary>
    public static void ConfigureEvents(StoreOptions opts, EventStoreOptions options)
    {
        // With a standby listed, connections go to whichever server is the primary now (see EventStoreDataSource).
        opts.Connection(EventStoreDataSource.ConnectionString(options.ConnectionString));
        opts.DatabaseSchemaName = options.Schema;
        opts.Events.DatabaseSchemaName = options.Schema;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString);

        // One stream per run and one per sample, both keyed by Guid (sample ids are name-based, see DeterministicIds).
        opts.Events.StreamIdentity = StreamIdentity.AsGuid;
        opts.Events.MetadataConfig.HeadersEnabled = true;

        opts.Events.AddEventTypes([
            typeof(RunStarted), typeof(RunCompleted), typeof(PromptSubmitted), typeof(ResponseGenerated),
            typeof(CritiqueProduced), typeof(RevisionProduced), typeof(SlExampleFinalized), typeof(SampleStepFailed),
            typeof(PolicyTrainingStarted), typeof(PolicyCheckpointed),
            typeof(PpoStarted), typeof(PolicyUpdateCompleted), typeof(PpoFailed), typeof(PpoEvaluated), typeof(RolloutsGenerated),
            typeof(PolicyTrainingFailed),
            typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled), typeof(ComparisonStepFailed),
            typeof(PreferenceImportRowsSkipped),
            typeof(PreferenceModelTrainingStarted), typeof(EpochCompleted), typeof(PreferenceModelCheckpointed), typeof(PreferenceModelTrainingFailed),
            typeof(SampleRetryRequested), typeof(ComparisonRetryRequested), typeof(RunRetryRequested),
        ]);
        EventVersions.Configure(opts);
        // Imports and training jobs of a run are found by their event type, not by reading every event of the store.
        opts.Events.EnableEventTypeIndex = true;
    }

    public static IServiceCollection AddCaiEventStore(this IServiceCollection services, EventStoreOptions options)
    {
        services.AddMarten(opts => Configure(opts, options))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        return services;
    }

    /// <summary>A store outside dependency injection, for CLI queries and tests.</summary>
    public static DocumentStore CreateStore(EventStoreOptions options) => DocumentStore.For(opts => Configure(opts, options));

    /// <summary>
    /// A store for viewers (the dashboard): it never creates or alters schema objects, and every PostgreSQL
    /// transaction it opens is read-only, so nothing it runs can write.
    /// </summary>
    public static DocumentStore CreateReadOnlyStore(EventStoreOptions options)
    {
        var readOnly = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString) { Options = "-c default_transaction_read_only=on" };
        return DocumentStore.For(opts =>
        {
            Configure(opts, options with { ConnectionString = readOnly.ConnectionString });
            opts.AutoCreateSchemaObjects = AutoCreate.None;
        });
    }
}
