using CaiEvents.Hosting;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.UnitTests.Infrastructure;

/// <summary>RabbitMq:Hosts and RabbitMq:QueueType as bound from configuration: the node list, the queue-type default, bad values.</summary>
public class RabbitMqClusterOptionsTests
{
    private static RabbitMqOptions Bind(params (string Key, string Value)[] values) =>
        CaiHost.RabbitMqOptions(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void A_single_node_configuration_is_unchanged_and_keeps_classic_queues()
    {
        var options = Bind(("RabbitMq:Host", "10.0.0.5"), ("RabbitMq:Port", "5673"));
        Assert.Equal([new RabbitMqEndpoint("10.0.0.5", 5673)], options.Endpoints());
        Assert.Equal(RabbitMqQueueType.Classic, options.EffectiveQueueType());
    }

    [Fact]
    public void Several_hosts_are_the_endpoints_in_order_and_default_to_quorum_queues()
    {
        var options = Bind(("RabbitMq:Host", "ignored"), ("RabbitMq:Hosts:0", "127.0.0.1:57672"), ("RabbitMq:Hosts:1", "127.0.0.1:57682"),
            ("RabbitMq:Hosts:2", "broker-3.example:5672"));
        Assert.Equal([new RabbitMqEndpoint("127.0.0.1", 57672), new RabbitMqEndpoint("127.0.0.1", 57682), new RabbitMqEndpoint("broker-3.example", 5672)],
            options.Endpoints());
        Assert.Equal(RabbitMqQueueType.Quorum, options.EffectiveQueueType());
        Assert.Equal("amqp://@127.0.0.1:57672,127.0.0.1:57682,broker-3.example:5672/", options.ToString());
    }

    [Theory]
    [InlineData("classic", null, RabbitMqQueueType.Classic)]
    [InlineData("Quorum", null, RabbitMqQueueType.Quorum)]
    [InlineData("quorum", "h:1", RabbitMqQueueType.Quorum)]
    [InlineData("classic", "h:1,h:2", RabbitMqQueueType.Classic)]
    public void An_explicit_queue_type_wins_over_the_default(string queueType, string? hosts, RabbitMqQueueType expected)
    {
        var values = new List<(string, string)> { ("RabbitMq:QueueType", queueType) };
        if (hosts is not null) values.AddRange(hosts.Split(',').Select((h, i) => ($"RabbitMq:Hosts:{i}", h)));
        Assert.Equal(expected, Bind([.. values]).EffectiveQueueType());
    }

    [Fact]
    public void An_unknown_queue_type_names_the_setting()
    {
        var e = Assert.Throws<ConfigurationInvalidException>(() => Bind(("RabbitMq:QueueType", "stream")).EffectiveQueueType());
        Assert.Equal("RabbitMq:QueueType must be quorum or classic, got 'stream'", e.Message);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData(":5672")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("127.0.0.1:amqp")]
    public void A_host_without_a_valid_port_names_its_index(string bad)
    {
        var options = Bind(("RabbitMq:Hosts:0", "127.0.0.1:5672"), ("RabbitMq:Hosts:1", bad));
        var e = Assert.Throws<ConfigurationInvalidException>(() => options.Endpoints());
        Assert.Equal($"RabbitMq:Hosts:1 must be host:port, got '{bad}'", e.Message);
    }
}
