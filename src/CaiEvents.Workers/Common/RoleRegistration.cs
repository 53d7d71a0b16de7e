using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.Common;

/// <summary>What a role's module uses to register its options and consumers on the service collection.</summary>
public static class RoleRegistration
{
    /// <summary>Binds <typeparamref name="T"/> from "Workers:<paramref name="role"/>", then applies the host's <see cref="WorkerConcurrency"/>.</summary>
    public static OptionsBuilder<T> AddRoleOptions<T>(this IServiceCollection services, string role) where T : WorkerRoleOptions
    {
        services.TryAddSingleton(new WorkerConcurrency(null));
        return services.AddOptions<T>().BindConfiguration($"Workers:{role}").PostConfigure<WorkerConcurrency>((options, concurrency) =>
        {
            if (concurrency.Override is { } c) options.Concurrency = c;
        });
    }

    /// <summary>
    /// Registers a consumer with its definition on the service collection, outside <c>AddMassTransit</c>: the bus's
    /// <c>ConfigureEndpoints</c> (<see cref="Hosting.CaiHost.AddCaiBus"/>) gives it an endpoint like any other consumer.
    /// </summary>
    public static IServiceCollection AddRoleConsumer<TConsumer, TDefinition>(this IServiceCollection services)
        where TConsumer : class, IConsumer
        where TDefinition : class, IConsumerDefinition<TConsumer>
    {
        services.RegisterConsumer<TConsumer, TDefinition>();
        return services;
    }

    /// <summary>Registers a fault consumer (a failed step's failure event) with the fault endpoint's retry and outbox.</summary>
    public static IServiceCollection AddFaultConsumer<TConsumer>(this IServiceCollection services) where TConsumer : class, IConsumer =>
        services.AddRoleConsumer<TConsumer, FaultConsumerDefinition<TConsumer>>();
}
