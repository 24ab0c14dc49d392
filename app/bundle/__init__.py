"""The supervisord side: render its config, talk to it over its unix socket, watch and reload it."""
