using CaiEvents.Contracts;
using CaiEvents.Hosting;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CaiEvents.Workers;

/// <summary>
/// A worker host is the shared defaults (<see cref="CaiHost"/>: configuration, Serilog, Marten, the bus), the services every
/// role shares (<see cref="WorkerServices.AddWorkerCommon"/>) and the module of each requested role (<see cref="WorkerRoleModules"/>).
/// The CLI, the tests and the containers all compose hosts here.
/// </summary>
public static class WorkerHost
{
    public static HostApplicationBuilder CreateBuilder(HostPlan plan, IConfiguration? overrides = null)
    {
        var builder = CaiHost.CreateApplicationBuilder(overrides);
        AddWorkerServices(builder.Services, builder.Configuration, plan);
        return builder;
    }

    public static void AddWorkerServices(IServiceCollection services, IConfiguration configuration, HostPlan plan)
    {
        services.AddCaiDefaults(configuration, plan.ConsoleLogLevel);
        // Before the modules: their option bindings read it (see WorkerRoleOptions.AddRoleOptions).
        services.AddSingleton(new WorkerConcurrency(plan.Concurrency));
        services.AddWorkerCommon(configuration);
        foreach (var role in plan.Roles)
        {
            var module = WorkerRoleModules.Find(role) ?? throw new ArgumentException(RoleNotAvailable(role));
            module(services, configuration);
        }
        services.AddCaiBus(configuration, plan.Transport);
    }

    /// <summary>The line for a role <c>cai worker</c> cannot run: every known role has consumers.</summary>
    public static string RoleNotAvailable(string role) => $"unknown role '{role}'; roles: {string.Join(", ", WorkerRoles.All)}";
}
