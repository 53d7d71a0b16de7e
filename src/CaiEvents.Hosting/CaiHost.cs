using CaiEvents.Contracts;
using CaiEvents.EventStore;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Critic;
using CaiEvents.Workers.Generator;
using CaiEvents.Workers.Labeller;
using CaiEvents.Workers.PMTrainer;
using CaiEvents.Workers.PPOLearner;
using CaiEvents.Workers.Reviser;
using CaiEvents.Workers.Submission;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;

namespace CaiEvents.Hosting;

/// <summary>What one host process runs.</summary>
public sealed record HostPlan(IReadOnlyList<string> Roles, TransportKind Transport, int? Concurrency = null, LogEventLevel ConsoleLogLevel = LogEventLevel.Warning);

/// <summary>
/// Service defaults shared by every host: configuration, Serilog, the event store, the models and the bus
/// with the consumers of the requested roles. The CLI, the tests and the containers all compose hosts here.
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

    public static HostApplicationBuilder CreateBuilder(HostPlan plan, IConfiguration? overrides = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Configuration.AddCaiConfiguration();
        if (overrides is not null) builder.Configuration.AddConfiguration(overrides);
        AddCaiServices(builder.Services, builder.Configuration, plan);
        return builder;
    }

    public static void AddCaiServices(IServiceCollection services, IConfiguration configuration, HostPlan plan)
    {
        services.AddSerilog((_, log) => ConfigureLogging(log, configuration, plan.ConsoleLogLevel));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(WorkerIdentity.ForThisProcess());
        services.AddCaiEventStore(EventStoreOptions(configuration));
        services.AddSingleton<RunContextCache>();
        services.AddSingleton<StepExecutor>();
        services.AddSingleton<IModelProvider, ModelProvider>();
        services.AddOptions<ModelRuntimeOptions>().BindConfiguration("Models");
        BindRoleOptions<GeneratorOptions>(services, "Generator", plan.Concurrency);
        BindRoleOptions<CriticOptions>(services, "Critic", plan.Concurrency);
        BindRoleOptions<ReviserOptions>(services, "Reviser", plan.Concurrency);
        BindRoleOptions<LabellerOptions>(services, "Labeller", plan.Concurrency);
        BindRoleOptions<PMTrainerOptions>(services, "PMTrainer", plan.Concurrency);
        BindRoleOptions<PPOLearnerOptions>(services, "PPOLearner", plan.Concurrency);
        services.AddScoped<RunSubmitter>();

        if (plan.Roles.Contains(WorkerRoles.PmTrainer)) services.AddPMTrainerJobs();
        if (plan.Roles.Contains(WorkerRoles.PpoLearner)) services.AddPPOLearnerJobs();
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            foreach (var role in plan.Roles)
            {
                switch (role)
                {
                    case WorkerRoles.Generator: bus.AddGenerator(); break;
                    case WorkerRoles.Critic: bus.AddCritic(); break;
                    case WorkerRoles.Reviser: bus.AddReviser(); break;
                    case WorkerRoles.Labeller: bus.AddLabeller(); break;
                    case WorkerRoles.PmTrainer: bus.AddPMTrainer(); break;
                    case WorkerRoles.PpoLearner: bus.AddPPOLearner(); break;
                    default: throw new ArgumentException(RoleNotAvailable(role));
                }
            }

            if (plan.Transport == TransportKind.InMemory)
            {
                bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
            else
            {
                var rabbit = RabbitMqOptions(configuration);
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(rabbit.Host, (ushort)rabbit.Port, rabbit.VirtualHost, h =>
                    {
                        h.Username(rabbit.Username);
                        h.Password(rabbit.Password);
                    });
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
    }

    /// <summary>The line for a role <c>cai worker</c> cannot run: every known role has consumers.</summary>
    public static string RoleNotAvailable(string role) => $"unknown role '{role}'; roles: {string.Join(", ", WorkerRoles.All)}";

    private static void BindRoleOptions<T>(IServiceCollection services, string role, int? concurrency) where T : WorkerRoleOptions =>
        services.AddOptions<T>().BindConfiguration($"Workers:{role}").PostConfigure(o =>
        {
            if (concurrency is { } c) o.Concurrency = c;
        });

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

public sealed class ConfigurationMissingException(string message) : Exception(message);
