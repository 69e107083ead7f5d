"""Pages of 双报到 (register, service log, the 双报告 export), co-building with its three lists,
书记领办 projects, and the community's public project board (no login).

Communities and rows are looked up in the user's scope: out of scope answers 404 like missing;
a user who may see but not edit gets 403 on every write.

The modules: dual (双报到 and the 双报告), cobuilding (units and the three lists), projects (书记领办),
common (helpers).
"""

from .cobuilding import urlpatterns as cobuilding_urlpatterns
from .dual import urlpatterns as dual_urlpatterns
from .projects import urlpatterns as projects_urlpatterns

urlpatterns = dual_urlpatterns + cobuilding_urlpatterns + projects_urlpatterns
