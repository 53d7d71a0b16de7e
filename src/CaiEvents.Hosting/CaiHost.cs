using CaiEvents.EventStore;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;

namespace CaiEvents.Hosting;

/// <summary>
/// Service defaults shared by every host: configuration, Serilog, the event store and the bus transport. It knows no
/// worker role: <c>CaiEvents.Workers.WorkerHost</c> composes a host from these defaults and the modules of its roles,
/// whose consumers <see cref="AddCaiBus"/> finds on the service collection.
/// </summary>
public static class CaiHost
{
    /// <summary>Configuration: appsettings.json beside the executable, then environment variables (e.g. RabbitMq__Password).</summary>
    public static IConfigurationBuilder AddCaiConfiguration(this IConfigurationBuilder builder) =>
        builder.SetBasePath(AppContext.BaseDirectory)
               .AddJsonFile("appsettings.json", optional: true)
               .AddEnvironmentVariables();

    public static IConfiguration LoadConfiguration() => new ConfigurationBuilder().AddCaiConfiguration().Build();

    public static EventStoreOptions EventStoreOptions(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("EventStore");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ConfigurationMissingException("ConnectionStrings:EventStore is not configured (run through ./cai, or set ConnectionStrings__EventStore)");
        return new EventStoreOptions { ConnectionString = connectionString, Schema = configuration["EventStore:Schema"] ?? "cai" };
    }

    public static RabbitMqOptions RabbitMqOptions(IConfiguration configuration) =>
        configuration.GetSection("RabbitMq").Get<RabbitMqOptions>() ?? new RabbitMqOptions();

    /// <summary>A host builder with the CAI configuration sources, then <paramref name="overrides"/> (tests, benchmarks) on top.</summary>
    public static HostApplicationBuilder CreateApplicationBuilder(IConfiguration? overrides = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Configuration.AddCaiConfiguration();
        if (overrides is not null) builder.Configuration.AddConfiguration(overrides);
        return builder;
    }

    /// <summary>What every host has: Serilog, the clock and the event store.</summary>
    public static IServiceCollection AddCaiDefaults(this IServiceCollection services, IConfiguration configuration, LogEventLevel consoleLogLevel)
    {
        services.AddSerilog((_, log) => ConfigureLogging(log, configuration, consoleLogLevel));
        services.AddSingleton(TimeProvider.System);
        services.AddCaiEventStore(EventStoreOptions(configuration));
        return services;
    }

    /// <summary>
    /// The bus on <paramref name="transport"/>, with an endpoint for every consumer registered on <paramref name="services"/>
    /// before or after this call (the roles' modules register theirs on the service collection).
    /// </summary>
    public static IServiceCollection AddCaiBus(this IServiceCollection services, IConfiguration configuration, TransportKind transport)
    {
        // Registered before the bus, so the command queues exist with the right type before anything is sent or consumed.
        if (transport == TransportKind.RabbitMq) services.AddHostedService(_ => new CommandQueueTopology(RabbitMqOptions(configuration)));
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            if (transport == TransportKind.InMemory)
            {
                bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
            else
            {
                bus.UsingCaiRabbitMq(RabbitMqOptions(configuration));
            }
        });
        return services;
    }

    public static void ConfigureLogging(LoggerConfiguration log, IConfiguration configuration, LogEventLevel consoleLevel)
    {
        log.MinimumLevel.Information()
           .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
           .MinimumLevel.Override("MassTransit", LogEventLevel.Warning)
           // Marten logs every failed batch at Error before throwing, including the optimistic-concurrency
           // conflicts that racing duplicate deliveries cause by design; the exception still reaches the
           // consumer, whose retry or fault handling is logged by MassTransit.
           .MinimumLevel.Override("Marten", LogEventLevel.Fatal)
           .Enrich.FromLogContext()
           .Enrich.WithProperty("Process", Environment.ProcessId)
           .ReadFrom.Configuration(configuration)
           // Logs go to stderr so stdout stays machine-readable (a run id, a path, JSON).
           .WriteTo.Console(restrictedToMinimumLevel: consoleLevel, standardErrorFromLevel: LogEventLevel.Verbose,
               outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}");
        var seq = configuration["Seq:ServerUrl"];
        if (!string.IsNullOrWhiteSpace(seq)) log.WriteTo.Seq(seq, apiKey: configuration["Seq:ApiKey"]);
    }
}
