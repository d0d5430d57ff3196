import torch
import math

class Polynomial3(torch.nn.Module):
    def __init__(self):
        """
        在这个构造器,我们实例化四个参数并赋它们为成员 parameters。
        """
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        
    def forward(self, x):
        """
        在前向传播函数,我们接收一个输入数据的 Tensor,并且我们必须返回输出数据的 Tensor。
        我们可以使用定义在构造器的 Modules 以及任意的操作在 Tensor 上的运算符。
        """
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
    
    def string(self):
        """
        就像 Python 中的任意一个类一样,你也可以随便定义任何的方法(method)在 PyTorch Modules中。
        """
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'
    
# 创建输入输出的 Tensor。
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# 实例化上面定义的类,构造我们的模型。
model = Polynomial3()

# 构造我们的损失函数(loss function)和一个优化器(Optimizer)。在 SGD 构造器里
# 调用 model.parameters(),构造器将包含 nn.Linear Module 的可学习的参数(learnable parameters)
# 其是模型(model)的成员变量。
criterion = torch.nn.MSELoss(reduce='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(2000):
    # 前向传播:传入 x 到模型计算预测的 y
    y_pred = model(x)
    
    # 计算并打印损失值(loss)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
        
    # 清零梯度,执行反向传播,更新参数。
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    
print(f'Result: {model.string()}')
