using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
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
        opts.Connection(options.ConnectionString);
        opts.DatabaseSchemaName = options.Schema;
        opts.Events.DatabaseSchemaName = options.Schema;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString);

        // One stream per run and one per sample, both keyed by Guid (sample ids are name-based, see DeterministicIds).
        opts.Events.StreamIdentity = StreamIdentity.AsGuid;
        // Rich appends assign versions client-side, so the inline snapshots below see exact stream versions.
        opts.Events.AppendMode = EventAppendMode.Rich;
        // Tamper evidence: every event's headers carry its hash chained to the previous event of its stream.
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Listeners.Add(new Integrity.EventChainListener());

        opts.Events.AddEventTypes([
            typeof(RunStarted), typeof(RunCompleted), typeof(PromptSubmitted), typeof(ResponseGenerated),
            typeof(CritiqueProduced), typeof(RevisionProduced), typeof(SlExampleFinalized), typeof(SampleStepFailed),
            typeof(PolicyTrainingStarted), typeof(PolicyCheckpointed),
            typeof(PpoStarted), typeof(PolicyUpdateCompleted), typeof(PpoFailed), typeof(RolloutsGenerated),
            typeof(PolicyTrainingFailed),
            typeof(ComparisonSubmitted), typeof(ResponsePairGenerated), typeof(PreferenceLabelled), typeof(ComparisonStepFailed),
            typeof(PreferenceImportRowsSkipped),
            typeof(PreferenceModelTrainingStarted), typeof(EpochCompleted), typeof(PreferenceModelCheckpointed), typeof(PreferenceModelTrainingFailed),
            typeof(SampleRetryRequested), typeof(ComparisonRetryRequested), typeof(RunRetryRequested),
        ]);
        EventVersions.Configure(opts);

        // Inline: the snapshot is written in the same transaction as the events, so the decision a consumer
        // makes from FetchForWriting and the run-progress counts are never behind the stream.
        opts.Projections.Add<SampleStateProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<RunStateProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<ComparisonStateProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<SampleState>().Duplicate(x => x.RunId);
        opts.Schema.For<ComparisonState>().Duplicate(x => x.RunId);
        // A run's items a batch at a time in prompt order (exports, datasets, resume, retry): the run_id index finds the run's rows,
        // the duplicated index column orders them and bounds each batch (index > the last one of the batch before).
        opts.Schema.For<SampleState>().Duplicate(x => x.Index);
        opts.Schema.For<ComparisonState>().Duplicate(x => x.Index);
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
