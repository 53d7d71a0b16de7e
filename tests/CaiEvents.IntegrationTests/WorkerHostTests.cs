using CaiEvents.Contracts;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers;
using CaiEvents.Workers.Critic;
using CaiEvents.Workers.Generator;
using CaiEvents.Workers.SftTrainer;
using MassTransit.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CaiEvents.IntegrationTests;

/// <summary>How a worker host is composed: the hosting defaults, the shared services, and one module per role.</summary>
[Collection(nameof(IntegrationCollection))]
public class WorkerHostTests
{
    [Fact]
    public void The_hosting_defaults_reference_no_role()
    {
        Assert.DoesNotContain(typeof(CaiHost).Assembly.GetReferencedAssemblies(), a => a.Name == typeof(WorkerHost).Assembly.GetName().Name);
        Assert.Equal(WorkerRoles.All.Order(), WorkerRoleModules.All.Keys.Order());
        Assert.Null(WorkerRoleModules.Find("nosuchrole"));
        var error = Assert.Throws<ArgumentException>(() => WorkerHost.CreateBuilder(new HostPlan(["nosuchrole"], TransportKind.InMemory)));
        Assert.Equal(WorkerHost.RoleNotAvailable("nosuchrole"), error.Message);
    }

    [Fact]
    public async Task A_role_module_registers_its_consumers_outside_AddMassTransit_and_the_bus_gives_them_endpoints()
    {
        await using var services = await TestServices.StartAsync();
        using var host = await Harness.StartHostAsync(services, [WorkerRoles.SftTrainer, WorkerRoles.Critic], TransportKind.RabbitMq);
        var consumers = host.Services.GetServices<IConsumerRegistration>().Select(r => r.Type).ToList();
        Assert.Contains(typeof(FineTunePolicyConsumer), consumers);
        Assert.Contains(typeof(CritiqueConsumer), consumers);
        Assert.Contains(typeof(CritiqueFaultConsumer), consumers);
        Assert.DoesNotContain(typeof(GenerateResponseConsumer), consumers); // not a requested role
        // The management API's consumer list lags the bus a little.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var queues = await services.ConsumerQueuesAsync();
        while (!(queues.Contains(Contracts.Commands.CommandQueues.FineTunePolicy) && queues.Contains(Contracts.Commands.CommandQueues.Critique))
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            queues = await services.ConsumerQueuesAsync();
        }
        Assert.Contains(Contracts.Commands.CommandQueues.FineTunePolicy, queues);
        Assert.Contains(Contracts.Commands.CommandQueues.Critique, queues);
    }

    [Fact]
    public async Task The_hosts_concurrency_overrides_every_roles_configured_concurrency_and_one_ModelOptions_comes_from_Models()
    {
        await using var services = await TestServices.StartAsync();
        var settings = services.HostConfiguration(("Workers:Critic:Concurrency", "3"), ("Workers:Generator:Concurrency", "4"), ("Models:InitSeed", "99"));
        using (var configured = WorkerHost.CreateBuilder(new HostPlan([WorkerRoles.Critic, WorkerRoles.Generator], TransportKind.InMemory), settings).Build())
        {
            Assert.Equal(3, configured.Services.GetRequiredService<IOptions<CriticOptions>>().Value.Concurrency);
            Assert.Equal(4, configured.Services.GetRequiredService<IOptions<GeneratorOptions>>().Value.Concurrency);
            Assert.Equal(new ModelOptions(Device: "cpu", Seed: 99), configured.Services.GetRequiredService<ModelOptions>() with { Remote = new() });
        }
        using var overridden = WorkerHost.CreateBuilder(new HostPlan([WorkerRoles.Critic, WorkerRoles.Generator], TransportKind.InMemory, Concurrency: 7),
            settings).Build();
        Assert.Equal(7, overridden.Services.GetRequiredService<IOptions<CriticOptions>>().Value.Concurrency);
        Assert.Equal(7, overridden.Services.GetRequiredService<IOptions<GeneratorOptions>>().Value.Concurrency);
    }
}
