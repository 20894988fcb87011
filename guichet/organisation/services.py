from guichet.organisation.models import Agent


def agent_set_alert_mode(*, agent: Agent, alert_mode: str) -> Agent:
    agent.alert_mode = alert_mode
    agent.full_clean()
    agent.save(update_fields=["alert_mode"])
    return agent
