using CaiEvents.Workers.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Workers.Reviser;

/// <summary>The Reviser role: revisions in the light of a critique, and the finalised SL example.</summary>
public static class ReviserRole
{
    public static IServiceCollection AddReviserRole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoleOptions<ReviserOptions>("Reviser");
        services.AddRoleConsumer<RevisionConsumer, RevisionConsumerDefinition>();
        services.AddFaultConsumer<RevisionFaultConsumer>();
        return services;
    }
}
